# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EventWatcher.changed: what in a node's events stream makes a wait on the node look again at once."""

from __future__ import annotations

import asyncio
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher

HELLO = {'id': '1', 'actor_id': '', 'type': None}
TASK = {'id': '2', 'actor_id': 'a1', 'type': 'TaskEvent', 'task': 'stopAllServices', 'action': 'start'}
STATUS = {'id': '3', 'actor_id': '', 'type': 'MachineStatusEvent', 'stage': 'running', 'ready': True,
          'unmet_conditions': []}
FAILED = {'id': '4', 'actor_id': 'a1', 'type': 'SequenceEvent', 'sequence': 'reboot', 'action': 'noop',
          'error': 'task failed', 'error_code': 'INTERNAL'}


class StreamingClient:
    """Sends the given events once, then keeps the stream open."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.sent = list(events)

    async def events(self, node: Any, tail_events: int, timeout: float) -> Any:
        del node, tail_events, timeout
        while self.sent:
            yield self.sent.pop(0)
        await asyncio.sleep(3600)


def changed_after(events: list[dict[str, Any]], actor_id: str = '') -> bool:
    async def scenario() -> bool:
        watcher = EventWatcher(StreamingClient(events), '10.5.0.2', 60)
        watcher.actor_id = actor_id or None
        async with watcher:
            for _turn in range(10):
                await asyncio.sleep(0)  # let the stream deliver what it has
            return watcher.changed.is_set()
    return asyncio.run(scenario())


def test_a_machine_status_event_tells_a_change():
    assert changed_after([HELLO, TASK, STATUS])


def test_sequence_task_events_tell_no_change():
    assert not changed_after([HELLO, TASK])


def test_a_failed_sequence_of_the_actor_tells_a_change():
    assert changed_after([HELLO, TASK, FAILED], actor_id='a1')
