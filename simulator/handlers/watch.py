# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cosi.resource.State/Watch: resource changes as COSI's protobuf server streams them.

As COSI does: an empty WatchResponse first (the watch is ready); a single-resource watch (``id``
present) then sends the resource's current state (CREATED, or DESTROYED with a tombstone when it
does not exist); a kind watch with ``bootstrap_contents`` sends CREATED for every existing
resource, then BOOTSTRAPPED (only to clients of ``api_version`` >= 1); then CREATED / UPDATED
(with the old resource) / DESTROYED as they happen. ``aggregated`` batches each round of events
into one response. Changes are noticed by comparing the machine's resources every POLL seconds.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, AsyncIterator, Optional

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator import resource_store
from simulator.api import State, resource_pb2, state_pb2
from simulator.calls import Call, server_stream
from simulator.handlers.cosi import check_access, matches_labels
from simulator.resources import Resource

POLL = 0.1

EventType = state_pb2.EventType


def _selector(request: Any) -> Any:
    pattern = re.compile(request.options.id_query.regexp) if request.options.id_query.regexp else None
    single: Optional[str] = request.id if request.HasField('id') else None

    def select(items: list[Resource]) -> dict[str, Resource]:
        out = {}
        for item in items:
            if (item.namespace, item.type) != (request.namespace, request.type):
                continue
            if single is not None and item.id != single:
                continue
            if pattern is not None and not pattern.search(item.id):
                continue
            if not matches_labels(item.labels or {}, request.options.label_query):
                continue
            out[item.id] = item
        return out
    return select


def _event(event_type: int, item: Optional[Resource] = None, old: Optional[Resource] = None,
           resource: Any = None) -> Any:
    event = state_pb2.Event(event_type=event_type)
    if item is not None:
        event.resource.CopyFrom(item.to_proto())
    elif resource is not None:
        event.resource.CopyFrom(resource)
    if old is not None:
        event.old.CopyFrom(old.to_proto())
    return event


def _tombstone(namespace: str, resource_type: str, resource_id: str) -> Any:
    return resource_pb2.Resource(metadata=resource_pb2.Metadata(
        namespace=namespace, type=resource_type, id=resource_id, version='undefined', phase='running'))


def _changes(before: dict[str, Resource], after: dict[str, Resource]) -> list[Any]:
    out = []
    for resource_id in sorted(set(before) | set(after)):
        old, new = before.get(resource_id), after.get(resource_id)
        if old is None and new is not None:
            out.append(_event(EventType.CREATED, new))
        elif new is None and old is not None:
            out.append(_event(EventType.DESTROYED, old))
        elif old is not None and new is not None and old.version != new.version:
            out.append(_event(EventType.UPDATED, new, old))
    return out


def _responses(found: list[Any], aggregated: bool) -> list[Any]:
    if not found:
        return []
    if aggregated:
        return [state_pb2.WatchResponse(event=found)]
    return [state_pb2.WatchResponse(event=[event]) for event in found]


@server_stream(State.Watch)
async def watch(call: Call) -> AsyncIterator[Any]:
    request = call.request
    check_access(call, request.namespace, request.type)
    options = request.options
    if request.HasField('id'):
        if options.bootstrap_contents:
            raise GRPCError(Status.UNIMPLEMENTED, 'bootstrap contents is not implemented for resource watch')
        if len(options.label_query):
            raise GRPCError(Status.UNIMPLEMENTED, 'label query is not implemented for resource watch')
    select = _selector(request)
    machine = call.machine
    seen = select(await resource_store.current(machine, request.type))
    yield state_pb2.WatchResponse()  # ready
    initial = []
    if request.HasField('id'):
        item = seen.get(request.id)
        initial.append(_event(EventType.CREATED, item) if item is not None else _event(
            EventType.DESTROYED, resource=_tombstone(request.namespace, request.type, request.id)))
    elif options.bootstrap_contents:
        initial += [_event(EventType.CREATED, seen[resource_id]) for resource_id in sorted(seen)]
        if request.api_version >= 1:
            initial.append(_event(EventType.BOOTSTRAPPED, resource=_tombstone(request.namespace, request.type, '')))
    for response in _responses(initial, options.aggregated):
        yield response
    while machine.running:
        await asyncio.sleep(POLL)
        now = select(await resource_store.current(machine, request.type))
        for response in _responses(_changes(seen, now), options.aggregated):
            yield response
        seen = now
