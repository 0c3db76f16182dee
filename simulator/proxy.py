# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apid's one-to-one forwarding: a call with ``node: <other machine>`` is relayed over mTLS.

The endpoint machine dials ``<node>:50000`` with its own os:impersonator client certificate,
passes the caller's roles in ``talos-role`` and marks the call with ``proxyfrom`` so the target
serves it locally. Messages are relayed as they arrive in both directions; errors from the target
come back unchanged, dial failures become UNAVAILABLE worded like grpc-go's.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import logging
import socket
import ssl
from typing import TYPE_CHECKING, Iterable, Optional

from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError, StreamTerminatedError

from simulator.api import RpcMethod
from simulator.faults_partition import cut_off, no_route
from simulator.plan import API_PORT
from simulator.quiet_channel import QuietChannel
from simulator.rbac import ROLE_METADATA_KEY
from simulator.stream_relay import relay_problem, relay_replies
from simulator.tls import client_context

if TYPE_CHECKING:
    from grpclib.server import Stream

    from simulator.machine import Machine

log = logging.getLogger(__name__)

# Request metadata apid never forwards (routing keys, role claims, proxy markers).
_DROPPED_KEYS = frozenset({'node', 'nodes', 'proxyfrom', ROLE_METADATA_KEY})

_CONNECT_ERRORS = {
    errno.ECONNREFUSED: 'connect: connection refused',
    errno.EHOSTUNREACH: 'connect: no route to host',
    errno.ENETUNREACH: 'connect: network is unreachable',
    errno.ETIMEDOUT: 'i/o timeout',
    errno.ECONNRESET: 'read: connection reset by peer',
    errno.EADDRNOTAVAIL: 'connect: cannot assign requested address',
}


def dial_error(target: str, host: str, exc: BaseException) -> GRPCError:
    """UNAVAILABLE with grpc-go's wording for a backend that can't be reached."""
    address = ('[%s]:%d' if ':' in host else '%s:%d') % (host, API_PORT)
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = ('transport: authentication handshake failed: tls: failed to verify certificate: '
                  'x509: certificate signed by unknown authority')
    elif isinstance(exc, ssl.SSLError):
        detail = 'transport: authentication handshake failed: %s' % (exc.reason or exc)
    elif isinstance(exc, socket.gaierror):
        detail = 'transport: Error while dialing: dial tcp: lookup %s: no such host' % target
    elif isinstance(exc, asyncio.TimeoutError):
        detail = 'transport: Error while dialing: dial tcp %s: i/o timeout' % address
    else:
        text = _CONNECT_ERRORS.get(getattr(exc, 'errno', None) or -1, str(exc) or type(exc).__name__)
        detail = 'transport: Error while dialing: dial tcp %s: %s' % (address, text)
    return GRPCError(Status.UNAVAILABLE, 'connection error: desc = "%s"' % detail)


@functools.lru_cache(maxsize=4096)  # asked for every forwarded call, of the same few thousand targets
def _is_ip(text: str) -> bool:
    """Go's net.ParseIP accepting ``text`` (no zone suffix)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return '%' not in text


def address_contains_port(addr: str) -> bool:
    """The siderolabs/net v0.4.0 ``AddressContainsPort`` heuristic apid rejects targets with."""
    if ':' not in addr:
        return False
    if _is_ip(addr.strip('[]')):
        return False
    last = addr.rsplit(':', 1)[1]
    if _is_ip(addr[:len(addr) - len(last) - 1].strip('[]')):
        return True
    return addr.count(':') == 1  # host:port; more colons is something else


def go_quote(text: str) -> str:
    """Go's %q of a string (strconv.Quote), for the printable and common control characters."""
    escapes = {'"': '\\"', '\\': '\\\\', '\a': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n',
               '\r': '\\r', '\t': '\\t', '\v': '\\v'}
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif not char.isprintable():
            out.append('\\x%02x' % ord(char) if ord(char) < 0x80 else '\\u%04x' % ord(char))
        else:
            out.append(char)
    return '"%s"' % ''.join(out)


def check_target(target: str) -> None:
    """apid refuses an empty target or one with a port before dialing anything
    (``internal/app/apid/pkg/backend/apid.go:NewAPID``, surfaced as Internal by
    ``internal/app/apid/pkg/director/director.go:Router.singleDirector`` @ v1.13.9 and v1.14.0-rc.1)."""
    if not target or address_contains_port(target):
        raise GRPCError(Status.INTERNAL, 'invalid target %s' % go_quote(target))


def forwarded_metadata(incoming: Iterable[tuple[str, object]], roles: Iterable[str],
                       proxy_from: str) -> list[tuple[str, object]]:
    out = [(k, v) for k, v in incoming if k not in _DROPPED_KEYS]
    out.append(('proxyfrom', proxy_from))
    out.extend((ROLE_METADATA_KEY, role) for role in sorted(roles))
    return out


class Proxy:
    """One machine's outgoing connections to the other machines, kept open like apid's backends: one backend per
    target, cached (``internal/app/apid/pkg/backend/apid_factory.go:APIDFactory.Get``), each dialing one connection
    on its first call and reusing it for every later one (``apid.go:APID.GetConnection`` @ v1.14.0-rc.1)."""

    def __init__(self, machine: 'Machine') -> None:
        self.machine = machine
        self._channels: dict[str, QuietChannel] = {}
        self._ssl: Optional[ssl.SSLContext] = None

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            ca, cert = self.machine.os_ca, self.machine.impersonator
            assert ca is not None and cert is not None, 'only configured machines forward calls'
            self._ssl = client_context(ca.crt, cert.crt, cert.key)
        return self._ssl

    def _channel(self, host: str) -> QuietChannel:
        channel = self._channels.get(host)
        if channel is None:
            channel = self._channels[host] = QuietChannel(host, API_PORT, ssl=self._context())
        return channel

    async def close(self) -> None:
        channels, self._channels = self._channels, {}
        for channel in channels.values():
            channel.close()

    async def forward(self, target: str, method: RpcMethod, stream: 'Stream', roles: frozenset[str]) -> None:
        check_target(target)
        # apid dials net.FormatAddress(target):50000, brackets dropped around an IP (backend/apid.go:GetConnection);
        # only a name is looked up (Go's net.Dialer resolves no IP literal), so an address skips the fleet's lookup.
        address = target.strip('[]')
        host = address if _is_ip(address) else self.machine.resolve(address)
        metadata = forwarded_metadata(stream.metadata.items() if stream.metadata else (), roles,
                                      '%s:%d' % (self.machine.address, API_PORT))
        log.info('%s: %s -> node %s (%s)', self.machine.name, method.path, target, host)
        request = None if method.client_streaming else await stream.recv_message()
        if cut_off(self.machine, host):
            raise dial_error(target, host, no_route(host))
        channel = self._channel(host)
        try:
            async with channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                       metadata=metadata, deadline=stream.deadline) as out:
                try:
                    await out.send_request()
                except (OSError, ssl.SSLError, asyncio.TimeoutError) as exc:
                    raise dial_error(target, host, exc) from None
                pump = None
                if method.client_streaming:
                    pump = asyncio.ensure_future(_relay_requests(stream, out))
                else:
                    await out.send_message(request, end=True)
                try:
                    if method.server_streaming and relay_problem(out, stream) is None:
                        await relay_replies(out, stream)  # undecoded, a read at a time (simulator.stream_relay)
                    else:
                        while True:
                            reply = await out.recv_message()
                            if reply is None:
                                break
                            await stream.send_message(reply)
                    await out.recv_trailing_metadata()
                finally:
                    if pump is not None:
                        pump.cancel()
        except (StreamTerminatedError, ConnectionError) as exc:
            # The target went away mid-call (stopped, rebooted).
            raise GRPCError(Status.UNAVAILABLE, 'error reading from server: EOF') from exc


async def _relay_requests(incoming: 'Stream', out) -> None:
    async for message in incoming:
        await out.send_message(message)
    await out.end()
