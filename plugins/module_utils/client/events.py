# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos runtime events (MachineService.Events) as plain data, and a watcher that follows a node's events.

An event's payload is a ``google.protobuf.Any`` whose type URL is ``talos/runtime/<proto name>``;
the first event of every stream is an empty "hello". Unknown payload types are kept with their
type only, as Talos's own client skips them.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

TYPE_URL_PREFIX = 'talos/runtime/'
HELLO_TIMEOUT = 5.0
RESUBSCRIBE_DELAY = 0.5

_PAYLOADS = {
    'machine.SequenceEvent': machine_pb2.SequenceEvent,
    'machine.PhaseEvent': machine_pb2.PhaseEvent,
    'machine.TaskEvent': machine_pb2.TaskEvent,
    'machine.MachineStatusEvent': machine_pb2.MachineStatusEvent,
    'machine.ServiceStateEvent': machine_pb2.ServiceStateEvent,
}
_STAGES = ('unknown', 'booting', 'installing', 'maintenance', 'running', 'rebooting', 'shutting down',
           'resetting', 'upgrading')


def decode_event(event: Any) -> dict[str, Any]:
    """{'id', 'actor_id', 'type' (e.g. 'SequenceEvent'; None for hello), ...payload fields}."""
    type_url = event.data.type_url
    name = type_url[len(TYPE_URL_PREFIX):] if type_url.startswith(TYPE_URL_PREFIX) else type_url
    out: dict[str, Any] = {'id': event.id, 'actor_id': event.actor_id, 'type': name.split('.')[-1] or None}
    payload_cls = _PAYLOADS.get(name)
    if payload_cls is None:
        return out
    payload = payload_cls.FromString(event.data.value)
    if name == 'machine.SequenceEvent':
        out.update(sequence=payload.sequence, action=payload.Action.Name(payload.action).lower(),
                   error=payload.error.message if payload.HasField('error') else None,
                   error_code=common_pb2.Code.Name(payload.error.code) if payload.HasField('error') else None)
    elif name == 'machine.PhaseEvent':
        out.update(phase=payload.phase, action=payload.Action.Name(payload.action).lower())
    elif name == 'machine.TaskEvent':
        out.update(task=payload.task, action=payload.Action.Name(payload.action).lower())
    elif name == 'machine.MachineStatusEvent':
        out.update(stage=_STAGES[payload.stage] if payload.stage < len(_STAGES) else str(payload.stage),
                   ready=payload.status.ready,
                   unmet_conditions=[{'name': item.name, 'reason': item.reason}
                                     for item in payload.status.unmet_conditions])
    elif name == 'machine.ServiceStateEvent':
        out.update(service=payload.service, action=payload.Action.Name(payload.action).lower(),
                   message=payload.message)
    return out


def describe_event(event: dict[str, Any]) -> str:
    """One line for people: what the node was doing when it sent this event."""
    kind = event.get('type')
    if kind == 'SequenceEvent':
        if event.get('error'):
            return 'sequence %s failed: %s' % (event['sequence'], event['error'])
        return 'sequence %s %s' % (event['sequence'], {'start': 'started', 'stop': 'finished'}.get(
            event['action'], event['action']))
    if kind in ('PhaseEvent', 'TaskEvent'):
        what = 'phase' if kind == 'PhaseEvent' else 'task'
        return '%s %s %s' % (what, event[what], 'started' if event['action'] == 'start' else 'finished')
    if kind == 'MachineStatusEvent':
        return 'stage %s%s' % (event['stage'], ', ready' if event['ready'] else ', not ready')
    if kind == 'ServiceStateEvent':
        return 'service %s %s' % (event['service'], event['action'])
    return kind or 'hello'


class SequenceLocked(TalosError):
    """machined refused the requested sequence because another one runs (a LOCKED sequence event)."""


def failure_error(what: str, failure: dict[str, Any], node: Optional[str]) -> TalosError:
    """The error for a failed sequence a watcher saw while waiting for ``what``."""
    if failure.get('error_code') == 'LOCKED':
        return SequenceLocked(failure['error'], node=node)
    return TalosError('%s: %s' % (what, failure['error']), node=node)


class EventWatcher:
    """Follows a node's events in the background: the last one seen, and a failed sequence of an actor
    (or the LOCKED refusal of the sequence just requested, which Talos publishes without an actor ID).

    ``await watcher.start()`` returns once the stream is live (or gave up after HELLO_TIMEOUT; the
    watcher is an aid, never a requirement). When the node goes away the watcher subscribes again,
    asking for everything buffered since the node's boot. ``changed`` is set when the node's MachineStatus
    changes (stage, readiness) or a sequence fails: a wait on the node looks again at once (client.wait).
    """

    def __init__(self, client: Any, node: Optional[str], timeout: float) -> None:
        self.client = client
        self.node = node
        self.timeout = timeout
        self.actor_id: Optional[str] = None
        self.last: Optional[dict[str, Any]] = None
        self.failure: Optional[dict[str, Any]] = None
        self.changed = asyncio.Event()
        self._live = asyncio.Event()
        self._task: Optional[asyncio.Task] = None

    async def start(self) -> 'EventWatcher':
        self._task = asyncio.ensure_future(self._follow())
        try:
            await asyncio.wait_for(self._live.wait(), HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            pass
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def __aenter__(self) -> 'EventWatcher':
        return await self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()

    def describe(self) -> str:
        return describe_event(self.last) if self.last else 'no event seen'

    def _record(self, event: dict[str, Any], first_stream: bool) -> None:
        if event['type'] is None:
            self._live.set()
            return
        self.last = event
        if event['type'] == 'MachineStatusEvent':
            self.changed.set()
        if event['type'] != 'SequenceEvent' or not event.get('error'):
            return
        if self.actor_id and event['actor_id'] == self.actor_id:
            self.failure = event
        elif event.get('error_code') == 'LOCKED' and not event['actor_id'] and first_stream:
            # machined refused the sequence we asked for (it answered OK): the refusal carries no actor ID, so
            # a live LOCKED event right after our call is ours.
            message = 'another operation is running on %s: machined refused the %s sequence (%s); nothing was ' \
                'changed' % (self._label(), event['sequence'], event['error'])
            self.failure = dict(event, error=message)
        if self.failure is not None:
            self.changed.set()

    def _label(self) -> str:
        settings = getattr(self.client, 'settings', None)
        return settings.node_label(self.node) if settings is not None else (self.node or 'the node')

    async def _follow(self) -> None:
        tail = 0
        while True:
            try:
                async for event in self.client.events(self.node, tail_events=tail, timeout=self.timeout):
                    self._record(event, tail == 0)
            except Exception:  # pylint: disable=broad-exception-caught  # an aid: whatever broke it, follow again
                pass
            tail = -1  # after a drop: everything since the node's (new) boot
            await asyncio.sleep(RESUBSCRIBE_DELAY)
