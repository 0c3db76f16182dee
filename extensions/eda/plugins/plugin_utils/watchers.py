# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.events source's two loops: a node's event stream followed across reboots, and etcd alarm polls.

Both run until cancelled (ansible-rulebook cancels a source when the rulebook ends) and survive any Talos
error: a rulebook watches a fleet for days, through the reboots and outages it is there to react to.
Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils import event_shapes
from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.alarm_tracker import AlarmTracker
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

Put = Callable[[dict[str, Any]], Awaitable[None]]

FIRST_BACKOFF = 1.0
# A watch is a call with a deadline like any other; at its end the stream is opened again, resuming after the
# last event, without a connection event (nothing was lost).
STREAM_LIFETIME = 3600.0
DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED'


class Backoff:
    """Waits that double from FIRST_BACKOFF up to ``longest``, back to the first once a stream is live again."""

    def __init__(self, longest: float) -> None:
        self.longest = longest
        self.next = min(FIRST_BACKOFF, longest)

    def reset(self) -> None:
        self.next = min(FIRST_BACKOFF, self.longest)

    async def wait(self) -> None:
        delay, self.next = self.next, min(self.next * 2, self.longest)
        await asyncio.sleep(delay)


async def follow_events(client: Any, node: Optional[str], label: str, put: Put, backoff: Backoff) -> None:
    """Forward the node's machine status and service events; reconnect after a reboot or a failure.

    The first subscription starts at the present (a rulebook reacts to what happens, not to history); every later
    one asks for the events after the last one seen, or after the first subscription's hello: events of the
    same boot are not repeated, and after a reboot all of the new boot's events come, none missed.
    """
    last_id = ''
    connected = False
    while True:
        error: Optional[str] = 'the node closed the event stream'
        try:
            async for event in client.events(node, tail_id=last_id, timeout=STREAM_LIFETIME):
                if event['type'] is None:  # the hello: the stream is live
                    last_id = last_id or event['id']
                    if not connected:
                        connected = True
                        backoff.reset()
                        await put(event_shapes.connection(label, True))
                    continue
                last_id = event['id']
                shaped = event_shapes.from_runtime_event(label, event)
                if shaped is not None:
                    await put(shaped)
        except TalosError as exc:
            if connected and exc.code == DEADLINE_EXCEEDED:
                continue
            error = str(exc)
        if connected:
            connected = False
            await put(event_shapes.connection(label, False, error))
        await backoff.wait()


async def poll_alarms(client: Any, nodes: list[Optional[str]], labels: list[str], interval: float,
                      put: Put) -> None:
    """Every ``interval`` seconds, ask each node for its cluster's etcd alarms; forward each change once."""
    tracker = AlarmTracker()
    while True:
        results = await asyncio.gather(*(_alarms(client, node) for node in nodes))
        answers = {label: alarms for label, alarms in zip(labels, results) if alarms is not None}
        for change in tracker.update(answers):
            await put(event_shapes.etcd_alarm(change.node, change.member_id, change.alarm, change.active))
        await asyncio.sleep(interval)


async def _alarms(client: Any, node: Optional[str]) -> Optional[list[dict[str, Any]]]:
    """The node's answer, or None when it has none to give (down, a worker without etcd, etcd not started)."""
    try:
        return await client.etcd_alarms(node)
    except TalosError:
        return None
