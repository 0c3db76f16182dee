# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apid's gRPC server on grpclib: TLS alerts, grpc-go's wire details, graceful and hard stops.

* TLS: a rejected client certificate gets the alert Go sends (simulator.client_verify). asyncio's
  SSLProtocol drops the alert OpenSSL wrote when the handshake fails (it never flushes it), so the
  sim's connections use a subclass that sends it first.
* grpc-go details: the response content-type mirrors the request's subtype (``application/grpc`` for
  grpc-go clients; grpclib always answers ``application/grpc+proto``), and requests larger than
  ``constants.GRPCMaxMessageSize`` (32 MiB) are RESOURCE_EXHAUSTED with grpc-go's wording.
* Stops: ``drop()`` is the plug being pulled (listener closed, connections aborted); ``graceful_stop()``
  is grpc-go's ``Server.GracefulStop`` (simulator.drain), bounded like Talos's ``ServerGracefulStop``.
  A connection accepted just before a stop whose handshake ends after it is closed at once, as grpc-go's
  ``Server.handleRawConn`` closes a raw connection once the server is stopped: no call is served by a
  machine that is down (it would see the state of the next boot).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from asyncio import sslproto
from typing import Any, Optional

from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec, ProtoStatusDetailsCodec
from grpclib.exceptions import GRPCError
from grpclib.protocol import H2Protocol
from grpclib.server import Handler, Server
from h2.events import RequestReceived
from h2.settings import SettingCodes

from simulator import client_verify
from simulator.apid_faults import ApidFaults
from simulator.batched_writes import BatchedWrites
from simulator.drain import Drain
from simulator.quiet_channel import quiet_problem

log = logging.getLogger(__name__)

# pkg/machinery/constants/constants.go:GRPCMaxMessageSize @ v1.13.9, set with grpc.MaxRecvMsgSize on apid's
# server (internal/app/apid/service.go:runService) and machined's (internal/app/machined/pkg/system/services/
# machined.go:Main).
MAX_RECV_MESSAGE_SIZE = 32 * 1024 * 1024
# apid and machined give GracefulStop 10 s, then Stop (internal/app/apid/service.go:runService and
# pkg/grpc/factory/factory.go:ServerGracefulStop @ v1.13.9); `up --grace-period` overrides it.
GRACEFUL_STOP_TIMEOUT = 10.0
GRPC_CONTENT_TYPE = 'application/grpc'
# apid sets no grpc.MaxConcurrentStreams, so grpc-go's server takes no limit (math.MaxUint32) and advertises none
# (server.go:defaultServerOptions, internal/transport/http2_server.go:NewServerTransport @ grpc-go v1.83.0, the
# version in Talos's go.mod @ v1.14.0-rc.1). h2 advertises 100 unless told otherwise: a client fanning out more
# calls than that over one connection would queue where Talos lets them run.
NO_STREAM_LIMIT = 2 ** 32 - 1


def configure(grace_period: Optional[float] = None) -> None:
    global GRACEFUL_STOP_TIMEOUT  # pylint: disable=global-statement  # set once at start-up
    if grace_period is not None:
        GRACEFUL_STOP_TIMEOUT = grace_period


class _GoLimitsCodec(ProtoCodec):
    """grpc-go's receive limit (rpc_util.go:recvMsg): the status a too large request gets."""

    def decode(self, data: bytes, message_type: Any) -> Any:
        if len(data) > MAX_RECV_MESSAGE_SIZE:
            raise GRPCError(Status.RESOURCE_EXHAUSTED, 'grpc: received message larger than max (%d vs. %d)'
                            % (len(data), MAX_RECV_MESSAGE_SIZE))
        return super().decode(data, message_type)


def _response_content_type(request_content_type: str) -> str:
    # grpc-go answers with the request's subtype (internal/transport/http2_server.go:operateHeaders,
    # grpcutil.ContentType): "application/grpc" stays bare, "application/grpc+proto" keeps "+proto".
    _base, _, subtype = request_content_type.partition('+')
    return GRPC_CONTENT_TYPE + ('+' + subtype if subtype else '')


class _AlertingSSLProtocol(sslproto.SSLProtocol):
    """asyncio's server-side TLS, but a failed handshake still sends OpenSSL's alert to the peer."""

    def _on_handshake_complete(self, handshake_exc: Optional[BaseException]) -> None:
        if handshake_exc is not None:
            self._process_outgoing()  # the alert record is in the outgoing BIO; asyncio would discard it
            log.info('TLS handshake with a client failed: %s', getattr(handshake_exc, 'reason', handshake_exc))
        super()._on_handshake_complete(handshake_exc)

    def _fatal_error(self, exc: BaseException, message: str = 'Fatal error on transport') -> None:
        if isinstance(exc, ssl.SSLError) and self._transport is not None:
            self._transport._force_close(exc)  # pylint: disable=protected-access  # logged above, not an error
            return
        super()._fatal_error(exc, message)


class _PeerCertOnce:
    """A connection's SSLObject whose decoded peer certificate is kept after the first ask.

    Every call asks for its caller's roles (simulator.dispatch), and ``ssl.SSLObject.getpeercert`` decodes the
    certificate into a new dict each time; the certificate of a connection never changes once its handshake is
    done, so one decoding serves every call on it.
    """

    def __init__(self, ssl_object: Any) -> None:
        self._ssl_object = ssl_object
        self._decoded: Optional[dict] = None

    def getpeercert(self, binary_form: bool = False) -> Any:
        if binary_form:
            return self._ssl_object.getpeercert(binary_form=True)
        if self._decoded is None:
            self._decoded = self._ssl_object.getpeercert()
        return self._decoded

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ssl_object, name)


class _ServerTransport(BatchedWrites):
    """The transport grpclib serves a connection over: batched writes, the peer certificate decoded once."""

    def __init__(self, transport: Any) -> None:
        super().__init__(transport)
        ssl_object = transport.get_extra_info('ssl_object')
        self._ssl_object = _PeerCertOnce(ssl_object) if ssl_object is not None else None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == 'ssl_object':
            return self._ssl_object if self._ssl_object is not None else default
        return self._transport.get_extra_info(name, default)


class _TrackedProtocol(H2Protocol):
    def __init__(self, owner: 'SimServer', *args: Any) -> None:
        super().__init__(*args)
        self._owner = owner
        self._transport: Optional[asyncio.BaseTransport] = None
        self._content_types: dict[int, str] = {}
        self.drain: Optional[Drain] = None
        self.quiet_problem: Optional[str] = 'not connected'  # None once received frames have a cheap repr

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = _ServerTransport(transport)  # type: ignore[assignment]  # a transport in all but name
        super().connection_made(transport)
        self._transport = transport
        if self._owner.stopped:
            transport.abort()
            return
        self._owner.connections.add(self)
        h2_connection = self.connection._connection  # pylint: disable=protected-access  # grpclib 0.4.x
        h2_connection.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: NO_STREAM_LIMIT})
        self.quiet_problem = quiet_problem(h2_connection)
        self.connection.flush()
        self.drain = Drain(self.connection, self.processor, transport)
        accept = self.processor.processors[RequestReceived]
        self.processor.processors[RequestReceived] = lambda event: self._on_request(event, accept)
        send_headers = h2_connection.send_headers
        h2_connection.send_headers = lambda stream_id, headers, *args, **kwargs: send_headers(
            stream_id, self._go_headers(stream_id, headers), *args, **kwargs)
        if self._owner.check_client_eku:
            ssl_object = transport.get_extra_info('ssl_object')
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            if not der or not client_verify.ext_key_usage_ok(der):
                log.info('rejecting client: certificate is missing the client auth extended key usage')
                transport.abort()

    def _on_request(self, event: RequestReceived, accept: Any) -> None:
        assert self.drain is not None
        if not self.drain.accepts(event.stream_id):
            return
        self._content_types[event.stream_id] = dict(event.headers).get('content-type', GRPC_CONTENT_TYPE)
        accept(event)

    def _go_headers(self, stream_id: int, headers: list) -> list:
        request_type = self._content_types.get(stream_id)
        if request_type is None:
            return headers
        wanted = _response_content_type(request_type)
        return [(k, wanted) if k == 'content-type' else (k, v) for k, v in headers]

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._owner.connections.discard(self)
        if self.drain is not None:
            self.drain.lost()
        super().connection_lost(exc)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class SimServer(Server):
    """grpclib Server with apid's TLS alerts, grpc-go's limits and headers, and both kinds of stop."""

    def __init__(self, handlers: Any, *, check_client_eku: bool = False, faults: Optional[ApidFaults] = None) -> None:
        super().__init__(handlers, codec=_GoLimitsCodec(), status_details_codec=ProtoStatusDetailsCodec())
        self._faults = faults
        if faults is not None:  # every call passes the machine's hang/slow faults before it is served
            self._mapping = {path: handler._replace(func=faults.gate(handler.func))
                             for path, handler in self._mapping.items()}
        self.check_client_eku = False
        self._want_client_eku = check_client_eku
        self._tls: Optional[ssl.SSLContext] = None
        self.connections: set[_TrackedProtocol] = set()
        self.stopped = False  # set at the start of either stop; a connection made later is closed

    async def start(self, *args: Any, ssl: Optional[ssl.SSLContext] = None,  # pylint: disable=redefined-outer-name
                    **kwargs: Any) -> None:
        """Listen; TLS is layered by our protocol factory (so failed handshakes send their alert)."""
        self._tls = ssl
        if ssl is not None and self._want_client_eku and not client_verify.install(ssl):
            log.warning('no in-handshake client certificate check: rejecting bad clients after the handshake')
            self.check_client_eku = True
        await super().start(*args, ssl=None, **kwargs)

    def _protocol_factory(self) -> Any:
        # Same as grpclib's, with our protocol class (pinned grpclib 0.4.x internals), under our TLS layer.
        self.__gc_step__()
        if self._faults is not None and self._faults.holds_tls():
            return self._faults.silent_protocol()
        handler = Handler(self._mapping, self._codec, self._status_details_codec, self.__dispatch__)
        self._handlers.add(handler)
        protocol = _TrackedProtocol(self, handler, self._config, self._h2_config)
        if self._tls is None:
            return protocol
        return _AlertingSSLProtocol(asyncio.get_running_loop(), protocol, self._tls, None, server_side=True)

    async def drop(self) -> None:
        """Stop listening, cancel running calls and cut every connection (peers see a reset)."""
        self.stopped = True
        self.close()
        for proto in list(self.connections):
            proto.abort()
        await self.wait_closed()

    async def graceful_stop(self, timeout: Optional[float] = None) -> None:
        """grpc-go's GracefulStop: stop listening, drain every connection, then Stop after ``timeout``."""
        assert self._server is not None
        self.stopped = True
        self._server.close()
        drains = [asyncio.ensure_future(p.drain.run()) for p in list(self.connections) if p.drain is not None]
        if drains:
            _done, pending = await asyncio.wait(drains, timeout=GRACEFUL_STOP_TIMEOUT if timeout is None else timeout)
            for future in pending:
                future.cancel()
            if pending:
                log.info('graceful stop timed out with %d connection(s) busy: closing them', len(pending))
        await self.drop()
