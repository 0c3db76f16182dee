# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport: gRPC over (m)TLS to Talos endpoints, with node targeting, failover and retries.

Endpoints are where we connect; nodes are where a call runs (gRPC metadata ``node``, served by
apid's one-to-one proxy). Many nodes are served client-side: one call per node, concurrent, over
the same channel. Transport failures move on to the next endpoint; so does a read-only call an
endpoint accepts but does not begin to answer within ``FAILOVER_AFTER`` (a hung apid, or a node
behind it that hangs). Read-only calls are retried with exponential backoff on UNAVAILABLE; mutating
calls are never retried, on the same endpoint or another one.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, TypeVar

try:
    from grpclib.const import Cardinality, Status
    from grpclib.exceptions import GRPCError, StreamTerminatedError
except ImportError:
    HAS_GRPCLIB = False
else:
    HAS_GRPCLIB = True

from ansible_collections.talos.linux.plugins.module_utils._rpc_method import RpcMethod
from ansible_collections.talos.linux.plugins.module_utils.client import tls
from ansible_collections.talos.linux.plugins.module_utils.client.cancellation import cancel_count, forget_swallowed
from ansible_collections.talos.linux.plugins.module_utils.client.client_cert import ClientCertificate
from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings, parse_endpoint
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.grpc_channel import RecordingChannel
from ansible_collections.talos.linux.plugins.module_utils.client.pki import certificate_roles, spki_fingerprint

T = TypeVar('T')
CONNECT_TIMEOUT = 10.0  # per endpoint, so a dead first endpoint does not eat the whole deadline
# A read that an endpoint has not begun to answer in this time (or the call's timeout, if shorter) moves on to
# the next endpoint: the last endpoint gets the whole timeout. Healthy endpoints answer reads in milliseconds.
FAILOVER_AFTER = 10.0
# What Go's context.DeadlineExceeded says, at the end of an error a handler returned as is or wrapped.
_GO_DEADLINE = 'context deadline exceeded'
RETRIES = 3
BACKOFF = 0.25
FANOUT_LIMIT = 32


class _TransportError(TalosError):
    """The endpoint could not be reached; nothing was sent, so another endpoint may be tried (never escapes)."""

    def __init__(self, endpoint: str, message: str) -> None:
        super().__init__('endpoint %s: %s' % (endpoint, message))


def _seconds(value: float) -> str:
    """A duration for messages: sub-second timeouts must not read as "0s"."""
    return '%gs' % round(value, 3)


def _describe_transport_error(exc: BaseException, connect_timeout: float = CONNECT_TIMEOUT) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return 'TLS handshake failed: server certificate not trusted (%s)' % (exc.verify_message or exc.reason)
    if isinstance(exc, ssl.SSLError):
        return 'TLS handshake failed: %s' % (exc.reason or exc)
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, asyncio.TimeoutError):
        return 'no connection within %s' % _seconds(connect_timeout)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


class _Endpoint:
    """One endpoint and its lazily opened channel."""

    def __init__(self, address: str, ssl_context: ssl.SSLContext, fingerprint: str | None) -> None:
        self.address = address
        self.host, self.port = parse_endpoint(address)
        self._ssl = ssl_context
        self._fingerprint = fingerprint
        self._pinned = fingerprint is None
        self._channel: RecordingChannel | None = None

    async def pin(self) -> None:
        """Check the server's key against ``cert_fingerprint`` once, before the first call (when one is set)."""
        if not self._pinned:
            await self._check_fingerprint()

    async def channel(self) -> RecordingChannel:
        await self.pin()
        if self._channel is None:
            self._channel = RecordingChannel(self.host, self.port, ssl=self._ssl)
        return self._channel

    async def _check_fingerprint(self) -> None:
        """Pin the server key before the first call (maintenance mode has no CA to verify against)."""
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self._ssl), CONNECT_TIMEOUT)
        except (OSError, asyncio.TimeoutError) as exc:
            raise _TransportError(self.address, _describe_transport_error(exc)) from None
        try:
            der = writer.get_extra_info('ssl_object').getpeercert(binary_form=True)
        finally:
            writer.close()
        actual = spki_fingerprint(der)
        if actual != self._fingerprint:
            raise TalosError('server certificate fingerprint %s does not match cert_fingerprint %s'
                             % (actual, self._fingerprint), endpoint=self.address)
        self._pinned = True

    def lost(self) -> tuple | None:
        """How the channel's last connection ended (exception, whether the node had answered), if it did."""
        return self._channel.lost if self._channel is not None else None

    def close(self, *, draining: bool = True) -> None:
        """Close the channel. ``draining=False`` (after a failed connect) spares the calls on connections the node
        is gracefully closing (GOAWAY): they finish as the node lets them, and the channel is kept to close those
        connections at the end."""
        if self._channel is not None:
            self._channel.close()
            if draining:
                self._channel.close_draining()
            if draining or not self._channel.draining:
                self._channel = None


class Transport:
    """Calls any RPC of the generated method tables; ``TalosClient`` adds one method per RPC."""

    def __init__(self, settings: ConnectionSettings, *, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        if not HAS_GRPCLIB:
            raise TalosError('the grpclib Python library is required')
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        if settings.insecure:
            self._ssl = tls.insecure_client_context()
            self.roles: list[str] = []
        else:
            self._ssl = tls.client_context(settings.ca, settings.crt, settings.key)
            self.roles = certificate_roles(settings.crt)
        # Checked before any connection: an expired certificate is reported with its date, not as an outage.
        self._client_cert = ClientCertificate(settings.crt, settings.ca, settings.cert_source) \
            if settings.crt and not settings.insecure else None
        if self._client_cert is not None:
            self._client_cert.check()
        self._endpoints: dict[str, _Endpoint] = {}
        self._preferred = 0

    async def __aenter__(self) -> 'Transport':
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        for endpoint in self._endpoints.values():
            endpoint.close()
        self._endpoints.clear()

    def _endpoint(self, address: str) -> _Endpoint:
        if address not in self._endpoints:
            self._endpoints[address] = _Endpoint(address, self._ssl, self.settings.cert_fingerprint)
        return self._endpoints[address]

    def _routes(self, node: str | None) -> list[tuple[_Endpoint, list[tuple[str, str]]]]:
        """Where to send a call for ``node``, in failover order, with its metadata."""
        if self.settings.insecure:
            # Maintenance mode serves no proxying: connect to the node itself.
            return [(self._endpoint(self.settings.node_label(node)), [])]
        metadata = [('node', node)] if node else []
        endpoints = self.settings.endpoints
        order = endpoints[self._preferred:] + endpoints[:self._preferred]
        return [(self._endpoint(address), metadata) for address in order]

    def _grpc_error(self, exc: 'GRPCError', method: RpcMethod, node: str | None, endpoint: str,
                    timeout: float | None = None) -> TalosError:
        code = exc.status.name
        message = exc.message or code.lower().replace('_', ' ')
        if code == 'UNKNOWN' and message.endswith(_GO_DEADLINE) and timeout is not None:
            # The node's own copy of our deadline (grpc-timeout) can fire before ours; a handler that returns
            # Go's context error then reaches us as UNKNOWN. It is still our deadline that ran out.
            code, message = 'DEADLINE_EXCEEDED', '%s: no answer within %s (%s)' % (
                method.name, _seconds(timeout), message)
        elif code == 'PERMISSION_DENIED':
            message = '%s: %s is not allowed for the client certificate roles (%s)' % (
                message, method.name, ', '.join(self.roles) or 'none, maintenance mode')
        elif code == 'UNIMPLEMENTED':
            message = '%s: %s is not served by this node' % (message, method.name)
        return TalosError(message, code=code, node=node, endpoint=endpoint)

    @contextmanager
    def _mapped_errors(self, method: RpcMethod, node: str | None, endpoint: _Endpoint, timeout: float,
                       read_only: bool) -> Iterator[None]:
        """gRPC and transport failures of a call, including those raised when its stream closes, as TalosError.

        The channel is left alone: it reconnects by itself, and other calls may be using it.
        """
        try:
            yield
        except GRPCError as exc:
            raise self._grpc_error(exc, method, node, endpoint.address, timeout) from None
        except asyncio.TimeoutError:  # before OSError: TimeoutError is one
            raise TalosError('%s: no answer within %s' % (method.name, _seconds(timeout)), code='DEADLINE_EXCEEDED',
                             node=node, endpoint=endpoint.address) from None
        except (StreamTerminatedError, OSError) as exc:
            rejected = self._certificate_rejected(endpoint, exc, node)
            if rejected is not None:
                raise rejected from None
            message = 'connection lost: %s' % _describe_transport_error(exc)
            if not read_only:
                message += ' (the call may or may not have taken effect)'
            raise TalosError(message, code='UNAVAILABLE', node=node, endpoint=endpoint.address) from None

    def _certificate_rejected(self, endpoint: _Endpoint, exc: BaseException, node: str | None) -> TalosError | None:
        """The node's refusal of the client certificate, when that is what ended the connection."""
        if self._client_cert is None:
            return None
        lost = endpoint.lost() or (exc, True)  # unknown: do not guess that a reset was a refusal
        return self._client_cert.error(*lost, node=node, endpoint=endpoint.address)

    @asynccontextmanager
    async def _open(self, endpoint: _Endpoint, method: RpcMethod, metadata: list[tuple[str, str]],
                    timeout: float) -> AsyncIterator[Any]:
        """A stream on a connected channel; failing to connect raises _TransportError (nothing was sent).

        The request headers go out with the first message (``send_message``), in one write: a server
        that answers on headers alone then cannot reset the stream between the two.
        """
        before = cancel_count()
        try:
            async with self._connected_stream(endpoint, method, metadata, timeout) as stream:
                yield stream
        except Exception:  # never a CancelledError (a BaseException): a pending cancellation stays pending
            forget_swallowed(before)  # grpclib's deadline or lost connection, now an error of the call
            raise

    @asynccontextmanager
    async def _connected_stream(self, endpoint: _Endpoint, method: RpcMethod, metadata: list[tuple[str, str]],
                                timeout: float) -> AsyncIterator[Any]:
        channel = await endpoint.channel()
        try:
            # grpclib connects lazily inside the first send; connect first to tell "unreachable" apart.
            await asyncio.wait_for(channel.__connect__(), min(CONNECT_TIMEOUT, timeout))
        except (OSError, asyncio.TimeoutError, StreamTerminatedError) as exc:
            endpoint.close(draining=False)  # a machine going down gracefully refuses new connections
            rejected = self._certificate_rejected(endpoint, exc, None) if isinstance(exc, ssl.SSLError) else None
            if rejected is not None:  # TLS 1.2: refused inside the handshake; no other endpoint will accept it
                raise rejected from None
            raise _TransportError(endpoint.address, _describe_transport_error(
                exc, min(CONNECT_TIMEOUT, timeout))) from None
        stream = channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                 timeout=timeout, metadata=metadata)
        async with stream:
            yield stream

    async def _with_failover(self, node: str | None,
                             attempt: Callable[[_Endpoint, list, bool], Awaitable[T]]) -> T:
        """``attempt(endpoint, metadata, last)`` on each route in turn until one does not raise _TransportError."""
        failures = []
        routes = self._routes(node)
        for index, (endpoint, metadata) in enumerate(routes):
            try:
                result = await attempt(endpoint, metadata, index == len(routes) - 1)
            except _TransportError as exc:
                failures.append(str(exc))
                continue
            if index and not self.settings.insecure:
                self._preferred = self.settings.endpoints.index(endpoint.address)
            return result
        raise TalosError('no endpoint reachable: %s' % '; '.join(failures), code='UNAVAILABLE', node=node)

    def _check_reply(self, reply: Any, node: str | None, endpoint: str) -> None:
        """Talos reports per-node failures inside an OK reply: never let them pass silently."""
        if 'messages' in reply.DESCRIPTOR.fields_by_name:  # read per message of a stream: kept cheap
            for message in reply.messages:
                _raise_metadata_error(message, node, endpoint)
        else:
            _raise_metadata_error(reply, node, endpoint)

    async def _unary_once(self, method: RpcMethod, request: Any, node: str | None, timeout: float,
                          read_only: bool) -> Any:
        async def attempt(endpoint: _Endpoint, metadata: list, last: bool) -> Any:
            with self._mapped_errors(method, node, endpoint, timeout, read_only):
                async with self._open(endpoint, method, metadata, timeout) as stream:
                    await _send(stream, request)
                    reply = await _first_answer(stream, method, endpoint, _failover_window(timeout, read_only, last))
            self._check_reply(reply, node, endpoint.address)
            return reply
        return await self._with_failover(node, attempt)

    async def unary(self, method: RpcMethod, request: Any = None, *, node: str | None = None,
                    read_only: bool = False, timeout: float | None = None) -> Any:
        """One unary call. Read-only calls are retried on UNAVAILABLE with exponential backoff."""
        request = method.request() if request is None else request
        timeout = timeout or self.settings.timeout
        attempts = self.retries + 1 if read_only else 1
        for attempt in range(attempts):
            try:
                return await asyncio.wait_for(self._unary_once(method, request, node, timeout, read_only),
                                              _worst_case(timeout, len(self.settings.endpoints)))
            except asyncio.TimeoutError:
                raise TalosError('%s: no answer within %s' % (method.name, _seconds(timeout)),
                                 code='DEADLINE_EXCEEDED', node=node) from None
            except TalosError as exc:
                if not exc.retryable or attempt == attempts - 1:
                    raise
            await asyncio.sleep(self.backoff * 2 ** attempt)
        raise AssertionError('unreachable')

    async def stream(self, method: RpcMethod, request: Any = None, *, node: str | None = None,
                     timeout: float | None = None, read_only: bool = False) -> AsyncIterator[Any]:
        """Iterate a server stream message by message (never buffered).

        ``read_only``: a stream that answers at once (a listing, a file): an endpoint that sends nothing within
        ``FAILOVER_AFTER`` is left for the next one. Watches may rightly stay silent, and are not marked so.
        """
        request = method.request() if request is None else request
        timeout = timeout or self.settings.timeout
        failures = []
        routes = self._routes(node)
        for index, (endpoint, metadata) in enumerate(routes):
            window = _failover_window(timeout, read_only, index == len(routes) - 1)
            try:
                with self._mapped_errors(method, node, endpoint, timeout, True):
                    async with self._open(endpoint, method, metadata, timeout) as stream:
                        await _send(stream, request)
                        reply = await _first_answer(stream, method, endpoint, window)
                        while reply is not None:
                            self._check_reply(reply, node, endpoint.address)
                            yield reply
                            reply = await stream.recv_message()
                return
            except _TransportError as exc:
                failures.append(str(exc))
        raise TalosError('no endpoint reachable: %s' % '; '.join(failures), code='UNAVAILABLE', node=node)

    async def client_stream(self, method: RpcMethod, messages: AsyncIterator[Any], *, node: str | None = None,
                            timeout: float | None = None) -> Any:
        """Send a client stream message by message as ``messages`` yields them; the single reply.

        Never retried: once messages have gone out, the call cannot be replayed. Only a failure to
        reach an endpoint (before anything was sent) moves on to the next endpoint.
        """
        timeout = timeout or self.settings.timeout

        async def attempt(endpoint: _Endpoint, metadata: list, _last: bool) -> Any:
            with self._mapped_errors(method, node, endpoint, timeout, False):
                async with self._open(endpoint, method, metadata, timeout) as stream:
                    try:
                        async for message in messages:
                            await stream.send_message(message)
                        await stream.end()
                    except StreamTerminatedError:
                        # A node that refuses the call (roles, state) answers and resets the upload.
                        answered = _status_before_reset(stream)
                        if answered is not None:
                            raise answered from None
                        raise
                    reply = await stream.recv_message()
            self._check_reply(reply, node, endpoint.address)
            return reply
        return await self._with_failover(node, attempt)

    async def for_nodes(self, nodes: list[str], call: Callable[[str], Awaitable[T]]) -> dict[str, T | TalosError]:
        """Run ``call(node)`` for every node concurrently; each node gets its result or its TalosError."""
        limit = asyncio.Semaphore(FANOUT_LIMIT)

        async def one(node: str) -> T | TalosError:
            async with limit:
                try:
                    return await call(node)
                except TalosError as exc:
                    exc.node = exc.node or node
                    return exc
        results = await asyncio.gather(*(one(node) for node in nodes))
        return dict(zip(nodes, results))


@functools.lru_cache(maxsize=None)
def _carries_metadata(descriptor: Any) -> bool:
    """Whether messages of this type have Talos's ``common.Metadata`` field (asked once per type)."""
    field = descriptor.fields_by_name.get('metadata')
    return field is not None and field.message_type is not None and field.message_type.full_name == 'common.Metadata'


def _raise_metadata_error(message: Any, node: str | None, endpoint: str) -> None:
    if not _carries_metadata(message.DESCRIPTOR) or not message.HasField('metadata') or not message.metadata.error:
        return
    status = message.metadata.status
    code = None
    if status.code:
        try:
            code = Status(status.code).name
        except ValueError:
            code = str(status.code)
    raise TalosError(message.metadata.error, code=code, node=message.metadata.hostname or node, endpoint=endpoint)


async def _send(stream: Any, request: Any) -> None:
    """Send the single request; a server may answer and reset the stream before reading it.

    grpc-go (Talos) rejects a call (unknown method, permission) with a trailers-only response and
    RST_STREAM(NO_ERROR) without waiting for the request body; the status it sent is the answer.
    """
    try:
        await stream.send_message(request, end=True)
    except StreamTerminatedError:
        answered = _status_before_reset(stream)
        if answered is not None:
            raise answered from None
        raise


def _status_before_reset(stream: Any) -> 'GRPCError | None':
    """The error status a server sent before resetting the stream, if it sent one.

    grpclib refuses any use of a reset stream, even when the server's trailers-only answer arrived
    first; that answer is in the HTTP/2 stream's received headers.
    """
    headers = getattr(getattr(stream, '_stream', None), 'headers', None)  # pylint: disable=protected-access
    headers_map = dict(headers or ())
    if 'grpc-status' not in headers_map:
        return None
    status, message, details = stream._process_grpc_status(headers_map)  # pylint: disable=protected-access
    return None if status is Status.OK else GRPCError(status, message, details)


def _worst_case(timeout: float, endpoints: int) -> float:
    """The longest a call may rightly take: connecting to every endpoint, failing over from all but the last."""
    return timeout + CONNECT_TIMEOUT * endpoints + min(timeout, FAILOVER_AFTER) * (endpoints - 1)


def _failover_window(timeout: float, read_only: bool, last: bool) -> float | None:
    """How long an endpoint may take to begin answering before the call moves on; None: the call's timeout."""
    if not read_only or last:
        return None  # a mutating call may already have taken effect: it is never sent anywhere else
    return min(timeout, FAILOVER_AFTER)


async def _first_answer(stream: Any, method: RpcMethod, endpoint: _Endpoint, window: float | None) -> Any:
    """The first message of a call's answer (None: the stream ended); silence for ``window`` is _TransportError."""
    if window is None:
        return await stream.recv_message()
    try:
        return await asyncio.wait_for(stream.recv_message(), window)
    except asyncio.TimeoutError:  # ours, or the call's own deadline when it is the shorter
        pass
    except GRPCError as exc:
        # With a window as long as the call's timeout, the endpoint's own copy of our deadline (grpc-timeout) can
        # end the call first, as a DEADLINE_EXCEEDED status: it is the same silence, and the read moves on too.
        if exc.status is not Status.DEADLINE_EXCEEDED:
            raise
    raise _TransportError(endpoint.address, '%s: no answer within %s' % (method.name, _seconds(window)))


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion from synchronous module code."""
    return asyncio.run(coro)  # type: ignore[arg-type]
