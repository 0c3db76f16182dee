# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a local RPC handler receives, and the registry of handlers by method path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, NamedTuple

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.api import RpcMethod
from simulator.rbac import ADMIN

if TYPE_CHECKING:
    from grpclib.server import Stream

    from simulator.machine import Machine


@dataclass
class Call:
    """One RPC being served locally by a machine."""

    machine: 'Machine'
    method: RpcMethod
    stream: 'Stream'
    roles: frozenset[str]
    request: Any = None  # the request message, for methods that take a single one

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles


class Registered(NamedTuple):
    kind: str  # 'unary' (returns the reply), 'stream' (async generator of replies) or 'client_stream'
    func: Callable[[Call], Any]


HANDLERS: dict[str, Registered] = {}


def unary(method: RpcMethod) -> Callable[[Callable[[Call], Awaitable[Any]]], Callable[[Call], Awaitable[Any]]]:
    """Register ``async def f(call) -> reply`` for a method."""
    def register(func: Callable[[Call], Awaitable[Any]]) -> Callable[[Call], Awaitable[Any]]:
        HANDLERS[method.path] = Registered('unary', func)
        return func
    return register


def server_stream(method: RpcMethod) -> Callable[[Callable[[Call], AsyncIterator[Any]]],
                                                 Callable[[Call], AsyncIterator[Any]]]:
    """Register ``async def f(call)`` yielding the messages of a server stream."""
    def register(func: Callable[[Call], AsyncIterator[Any]]) -> Callable[[Call], AsyncIterator[Any]]:
        HANDLERS[method.path] = Registered('stream', func)
        return func
    return register


def client_stream(method: RpcMethod) -> Callable[[Callable[[Call], Awaitable[Any]]], Callable[[Call], Awaitable[Any]]]:
    """Register ``async def f(call) -> reply`` for a client-streaming method; it reads ``call.stream``."""
    def register(func: Callable[[Call], Awaitable[Any]]) -> Callable[[Call], Awaitable[Any]]:
        HANDLERS[method.path] = Registered('client_stream', func)
        return func
    return register


def not_implemented(method: RpcMethod) -> GRPCError:
    """What grpc-go's generated Unimplemented*Server says for a method a server doesn't override."""
    return GRPCError(Status.UNIMPLEMENTED, 'method %s not implemented' % method.name)


def unknown_service(method: RpcMethod) -> GRPCError:
    """What grpc-go says for a service the server doesn't register at all."""
    return GRPCError(Status.UNIMPLEMENTED, 'unknown service %s' % method.service)
