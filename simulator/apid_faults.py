# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hung or slow apid: faults a real machine shows and talos-sim's plain ``stop`` cannot.

These are failures, not Talos behaviour, so there is no upstream code to follow; what they model is what a
client sees of a frozen or overloaded grpc-go server:

* ``hang tls``: the kernel still completes TCP handshakes into the listen backlog, but nothing reads them;
  the client's TLS ClientHello is never answered (a stopped process, a wedged accept loop).
* ``hang rpc``: connections and TLS work (grpc-go handshakes in its own goroutine per connection,
  google.golang.org/grpc ``server.go:Server.handleRawConn``), but no call is ever answered (a deadlocked
  handler, a node that lost its disk).
* ``slow SECONDS``: every call is answered, SECONDS late.

``unhang`` releases held calls (they then run) and cuts the connections held at the TLS step, as a process
that is restarted would. Faults belong to the machine and outlive its reboots, like a bad disk would.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

from simulator.per_machine import PerMachine

if TYPE_CHECKING:
    from simulator.machine import Machine

HANG_FLAVOURS = ('tls', 'rpc')


class ApidFaults:
    """How a machine's apid misbehaves right now (nothing, by default)."""

    def __init__(self) -> None:
        self.hang: Optional[str] = None  # one of HANG_FLAVOURS
        self.delay = 0.0
        self._released = asyncio.Event()
        self._released.set()
        self._held: set[asyncio.BaseTransport] = set()

    def set_hang(self, flavour: str) -> None:
        if flavour not in HANG_FLAVOURS:
            raise ValueError('hang takes %s, not %r' % (' or '.join(HANG_FLAVOURS), flavour))
        self.hang = flavour
        self._released = asyncio.Event()

    def release(self) -> None:
        self.hang = None
        self._released.set()
        for transport in list(self._held):
            transport.abort()
        self._held.clear()

    def set_delay(self, seconds: float) -> None:
        if not 0 <= seconds <= 3600:
            raise ValueError('slow takes 0 <= SECONDS <= 3600, not %g' % seconds)
        self.delay = seconds

    def holds_tls(self) -> bool:
        """New connections get no TLS answer (checked when the listener accepts one)."""
        return self.hang == 'tls'

    def silent_protocol(self) -> asyncio.Protocol:
        """The protocol of a connection accepted while hung at the TLS step: reads nothing, answers nothing."""
        return _Silent(self._held)

    async def before_answer(self) -> None:
        """Where every call waits before it is served: forever while hung at the RPC step, ``delay`` when slow."""
        if self.hang == 'rpc':
            await self._released.wait()
        if self.delay:
            await asyncio.sleep(self.delay)

    def gate(self, serve: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """``serve`` (a grpclib handler function), run only once ``before_answer`` lets it."""
        async def gated(stream: Any) -> None:
            await self.before_answer()
            await serve(stream)
        return gated

    def describe(self) -> dict[str, Any]:
        return {'hang': self.hang, 'slow': self.delay}


class _Silent(asyncio.Protocol):
    def __init__(self, held: set[asyncio.BaseTransport]) -> None:
        self._held = held
        self._transport: Optional[asyncio.BaseTransport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._held.add(transport)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if self._transport is not None:
            self._held.discard(self._transport)


_FAULTS: 'PerMachine[ApidFaults]' = PerMachine('apid_faults', lambda machine: ApidFaults())


def apid_faults_of(machine: 'Machine') -> ApidFaults:
    return _FAULTS.of(machine)
