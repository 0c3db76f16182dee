# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""machined's event bus as MachineService.Events serves it: a buffer of this boot's events plus live watchers.

Events carry a time-ordered xid, the actor ID of the API call that caused them (if any) and a
payload packed into ``google.protobuf.Any`` under ``talos/runtime/<full proto name>``. A new boot
starts with an empty bus, as machined's buffer lives in memory.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import deque
from typing import Any, AsyncIterator, NamedTuple, Optional

from simulator.api import common_pb2, machine_pb2

CAPACITY = 1000
TYPE_URL_PREFIX = 'talos/runtime/'
_XID_ALPHABET = '0123456789abcdefghijklmnopqrstuv'
_XID_COUNTER = itertools.count(int.from_bytes(os.urandom(3), 'big'))
_XID_MACHINE = os.urandom(3)

# Stage names of MachineStatus (as resources render them) -> MachineStatusEvent enum values.
_STAGE_NUMBERS = {
    'unknown': 0, 'booting': 1, 'installing': 2, 'maintenance': 3, 'running': 4, 'rebooting': 5,
    'shutting down': 6, 'resetting': 7, 'upgrading': 8,
}


def xid(moment: Optional[float] = None) -> str:
    """A globally unique, time-ordered ID in xid's 20-character base32hex form."""
    seconds = int(moment if moment is not None else time.time())
    raw = (seconds.to_bytes(4, 'big') + _XID_MACHINE + (os.getpid() & 0xffff).to_bytes(2, 'big')
           + (next(_XID_COUNTER) & 0xffffff).to_bytes(3, 'big'))
    number = int.from_bytes(raw, 'big') << 4  # 96 bits padded to 100 = 20 five-bit digits
    return ''.join(_XID_ALPHABET[(number >> shift) & 31] for shift in range(95, -1, -5))


class SimEvent(NamedTuple):
    id: str
    created: float
    payload: Any  # a machine_pb2 event message; None for the hello event
    actor_id: str = ''

    def to_proto(self) -> Any:
        event = machine_pb2.Event(id=self.id, actor_id=self.actor_id)
        if self.payload is not None:
            event.data.type_url = TYPE_URL_PREFIX + self.payload.DESCRIPTOR.full_name
            event.data.value = self.payload.SerializeToString()
        else:
            event.data.SetInParent()  # present, with an empty type URL and value
        return event


def hello(actor_id: str = '') -> SimEvent:
    """The empty event a watcher gets first, telling it the stream is live."""
    return SimEvent(xid(), time.time(), None, actor_id)


def sequence(name: str, action: str, error: Optional[str] = None, code: str = 'FATAL') -> Any:
    message = machine_pb2.SequenceEvent(sequence=name, action=machine_pb2.SequenceEvent.Action.Value(action))
    if error is not None:
        message.error.CopyFrom(common_pb2.Error(code=common_pb2.Code.Value(code), message=error))
    return message


def phase(name: str, action: str) -> Any:
    return machine_pb2.PhaseEvent(phase=name, action=machine_pb2.PhaseEvent.Action.Value(action))


def task(name: str, action: str) -> Any:
    return machine_pb2.TaskEvent(task=name, action=machine_pb2.TaskEvent.Action.Value(action))


def machine_status(stage: str, ready: bool, unmet: Optional[list[dict[str, str]]] = None) -> Any:
    status_cls = machine_pb2.MachineStatusEvent.MachineStatus
    return machine_pb2.MachineStatusEvent(
        stage=_STAGE_NUMBERS[stage],
        status=status_cls(ready=ready, unmet_conditions=[
            status_cls.UnmetCondition(name=item['name'], reason=item['reason']) for item in unmet or []]),
    )


class EventBus:
    """One boot's events: the last CAPACITY of them, and a queue per live watcher."""

    def __init__(self) -> None:
        self.events: deque[SimEvent] = deque(maxlen=CAPACITY)
        self._watchers: set[asyncio.Queue] = set()

    def publish(self, payload: Any, actor_id: str = '') -> SimEvent:
        event = SimEvent(xid(), time.time(), payload, actor_id)
        self.events.append(event)
        for queue in self._watchers:
            queue.put_nowait(event)
        return event

    async def drained(self, limit: float = 0.5) -> None:
        """Give watchers up to ``limit`` seconds to send what is queued (before the machine goes down)."""
        deadline = time.monotonic() + limit
        while any(not queue.empty() for queue in self._watchers) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    def backlog(self, tail_events: int = 0, tail_id: str = '', tail_seconds: int = 0) -> list[SimEvent]:
        """The buffered events a new watcher starts with (tail_* are mutually exclusive, as in Talos)."""
        events = list(self.events)
        if tail_events < 0:
            return events
        if tail_events > 0:
            return events[-tail_events:]
        if tail_id:
            # Every event after the ID, by xid order (time first), whether or not that event is buffered: a hello's
            # ID resumes from the subscription, an earlier boot's gives this whole boot
            # (internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_events.go:Events.Watch @ v1.14.0-rc.1).
            # base32hex keeps the byte order of the raw IDs, so the strings compare as xid.Compare does.
            return [event for event in events if event.id > tail_id]
        if tail_seconds > 0:
            since = time.time() - tail_seconds
            return [event for event in events if event.created >= since]
        return []

    async def watch(self, tail_events: int = 0, tail_id: str = '', tail_seconds: int = 0,
                    actor_id: str = '') -> AsyncIterator[SimEvent]:
        """Buffered events chosen by tail_*, then live ones; only the actor's when ``actor_id`` is set."""
        queue: asyncio.Queue = asyncio.Queue()
        self._watchers.add(queue)
        try:
            for event in self.backlog(tail_events, tail_id, tail_seconds):
                if not actor_id or event.actor_id == actor_id:
                    yield event
            while True:
                event = await queue.get()
                if not actor_id or event.actor_id == actor_id:
                    yield event
        finally:
            self._watchers.discard(queue)
