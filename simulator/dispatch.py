# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every RPC of a machine goes through here: identify the caller, route, authorize, serve.

The order follows Talos: apid works out the caller's roles and routes on ``node`` *before* any
authorization (so a call for another machine is authorized by that machine's machined); the
serving machine then rejects services its Talos line doesn't have, applies machined's RBAC table
and runs the local handler, or answers UNIMPLEMENTED for what talos-sim doesn't emulate yet.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any, Optional

from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError

from simulator import api, handlers, maintenance
from simulator.calls import Call, not_implemented, unknown_service
from simulator.rbac import IMPERSONATOR, READER, ROLE_METADATA_KEY, Authorizer, parse_roles
from simulator.versions import service_available

if TYPE_CHECKING:
    from grpclib.server import Stream

    from simulator.machine import Machine

log = logging.getLogger(__name__)

NOT_AUTHORIZED = 'not authorized'

# Method prefixes apid accepts for one-to-many (``nodes``) proxying (1.13+ allow-list).
_ONE2MANY_PREFIXES = ('/machine.MachineService/', '/cluster.ClusterService/', '/inspect.InspectService/',
                      '/storage.StorageService/', '/time.TimeService/')


def certificate_organizations(cert: Optional[dict[str, Any]]) -> list[str]:
    """Organization values of the peer certificate as decoded by ``ssl.getpeercert()``."""
    orgs = []
    for rdn in (cert or {}).get('subject', ()):
        orgs.extend(value for key, value in rdn if key == 'organizationName')
    return orgs


class Dispatcher:
    """grpclib servable: maps every method of the served services onto one generic handler."""

    def __init__(self, machine: 'Machine') -> None:
        self.machine = machine
        self.authorizer = Authorizer(machine.version)

    def __mapping__(self) -> dict[str, Handler]:
        return {
            method.path: Handler(functools.partial(self._serve, method), Cardinality[method.cardinality],
                                 method.request, method.reply)
            for method in api.methods()
        }

    async def _serve(self, method: api.RpcMethod, stream: 'Stream') -> None:
        try:
            await self._dispatch(method, stream)
        except GRPCError as exc:
            log.info('%s: %s -> %s %s', self.machine.name, method.path, exc.status.name, exc.message)
            raise
        log.debug('%s: %s -> OK', self.machine.name, method.path)

    async def _dispatch(self, method: api.RpcMethod, stream: 'Stream') -> None:
        machine = self.machine
        if not machine.configured:
            # Maintenance: everyone is os:reader (no SideroLink here) and `node` is ignored.
            await self._serve_locally(method, stream, frozenset({READER}))
            return
        roles = self._caller_roles(stream)
        target = self._route(method, stream)
        if target is None:
            await self._serve_locally(method, stream, roles)
        else:
            await machine.proxy.forward(target, method, stream, roles)

    def _caller_roles(self, stream: 'Stream') -> frozenset[str]:
        roles = parse_roles(certificate_organizations(stream.peer.cert()))
        if IMPERSONATOR in roles:
            # Another apid (or a trusted proxy) forwarding: it vouches for the original caller's roles.
            claimed = stream.metadata.getall(ROLE_METADATA_KEY, []) if stream.metadata else []
            if claimed:
                return parse_roles(claimed)
        return roles

    def _route(self, method: api.RpcMethod, stream: 'Stream') -> Optional[str]:
        """None to serve here, else the `node` target to forward to."""
        metadata = stream.metadata
        if not metadata or 'proxyfrom' in metadata:
            return None
        node = metadata.getall('node', [])
        if len(node) > 1:
            raise GRPCError(Status.INVALID_ARGUMENT, 'node metadata must be single-valued')
        if 'nodes' in metadata:
            if not method.path.startswith(_ONE2MANY_PREFIXES):
                raise GRPCError(Status.INVALID_ARGUMENT,
                                'one-2-many proxying is not supported for method %s' % method.path)
            # apid still aggregates `nodes` calls at v1.13.9 and v1.14.0-rc.1 (1.14 only logs the deprecation,
            # director.go:Router.Director); talos-sim does not, and says so instead of answering differently.
            raise GRPCError(Status.INVALID_ARGUMENT,
                            'talos-sim does not emulate one-2-many proxying ("nodes" metadata, deprecated); '
                            'send one call per node with "node"')
        if not node:
            return None
        # Even a `node` naming this machine is forwarded, through a new mTLS connection to itself: apid
        # serves locally only when it has no client TLS config (forwarding disabled), which a configured
        # machine always has (internal/app/apid/pkg/director/director.go:Router.Director @ v1.13.9).
        return str(node[0])

    async def _serve_locally(self, method: api.RpcMethod, stream: 'Stream', roles: frozenset[str]) -> None:
        machine = self.machine
        if not service_available(machine.version, method.service):
            raise unknown_service(method)
        if maintenance.legacy(machine):
            maintenance.check_legacy_surface(method, roles)  # the ≤1.12 maintenance server has no RBAC table
        elif not self.authorizer.allowed(method.path, roles):
            raise GRPCError(Status.PERMISSION_DENIED, NOT_AUTHORIZED)
        registered = handlers.lookup(method.path)
        if registered is None:
            raise not_implemented(method)
        call = Call(machine, method, stream, roles)
        if not method.client_streaming:
            call.request = await stream.recv_message()
        if registered.kind in ('unary', 'client_stream'):  # a client-stream handler reads call.stream itself
            await stream.send_message(await registered.func(call))
        else:
            async for message in registered.func(call):
                await stream.send_message(message)
