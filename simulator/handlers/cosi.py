# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cosi.resource.State: reads of the machine's resources behind Talos's access filter; no writes."""

from __future__ import annotations

import re
from typing import Any, AsyncIterator, Iterable

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator import resource_store, resources
from simulator.api import State, state_pb2
from simulator.calls import Call, server_stream, unary

_NOT_AUTHORIZED = 'not authorized'


def check_access(call: Call, namespace: str, resource_type: str) -> None:
    """Talos's COSI read policy: known types only, sensitive types for os:admin, known namespaces."""
    definition = resources.DEFINITIONS.get(resource_type.lower())
    if definition is None or not definition.registered(call.machine.version):
        raise GRPCError(Status.PERMISSION_DENIED, 'resource type "%s" is not supported' % resource_type)
    if definition.sensitive and not call.is_admin:
        raise GRPCError(Status.PERMISSION_DENIED, _NOT_AUTHORIZED)
    if namespace not in resources.NAMESPACE_NAMES:
        raise GRPCError(Status.PERMISSION_DENIED, 'namespace "%s" is not supported' % namespace)


def matches_labels(labels: dict[str, str], queries: Iterable[Any]) -> bool:
    """COSI label queries: every term of every query must hold."""
    for query in queries:
        for term in query.terms:
            present = term.key in labels
            value = labels.get(term.key)
            op = term.op
            if op == term.EXISTS:
                ok = present
            elif op == term.NOT_EXISTS:
                ok = not present
            elif op == term.EQUAL:
                ok = present and value == (term.value[0] if term.value else '')
            elif op == term.IN:
                ok = present and value in term.value
            else:
                ok = False  # ordering operators: our resources carry no labels to compare
            if ok == term.invert:
                return False
    return True


@unary(State.Get)
async def get(call: Call) -> Any:
    req = call.request
    check_access(call, req.namespace, req.type)
    for item in await resource_store.current(call.machine, req.type):
        if (item.namespace, item.type, item.id) == (req.namespace, req.type, req.id):
            return state_pb2.GetResponse(resource=item.to_proto())
    raise GRPCError(Status.NOT_FOUND, "resource %s(%s/%s@undefined) doesn't exist" % (req.type, req.namespace, req.id))


@server_stream(State.List)
async def list_(call: Call) -> AsyncIterator[Any]:
    req = call.request
    check_access(call, req.namespace, req.type)
    id_pattern = re.compile(req.options.id_query.regexp) if req.options.id_query.regexp else None
    for item in await resource_store.current(call.machine, req.type):
        if (item.namespace, item.type) != (req.namespace, req.type):
            continue
        if id_pattern is not None and not id_pattern.search(item.id):
            continue
        if not matches_labels(item.labels or {}, req.options.label_query):
            continue
        yield state_pb2.ListResponse(resource=item.to_proto())


async def _deny_write(_call: Call) -> Any:
    """Talos wraps its state in a filter that refuses every write, whatever the resource."""
    raise GRPCError(Status.PERMISSION_DENIED, 'write access is not allowed')


for _method in (State.Create, State.Update, State.Destroy):
    unary(_method)(_deny_write)
