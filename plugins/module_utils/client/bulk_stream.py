# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A server stream of ``common.Data`` (an etcd snapshot) read straight off HTTP/2, in big chunks.

Talos sends an etcd snapshot as one 1 KiB message per DATA frame (pkg/chunker/stream's 1024-byte buffer, grpc-go's
loopy writer), so a 253 MB database is a quarter of a million messages. Through grpclib and h2 each one costs
about 40 us of client CPU (frame objects, events, flow-control bookkeeping, queues, a protobuf parse); here it is a
few struct reads on a memoryview of the received bytes. The call gets a TLS connection of its own, set up as
the transport sets up its channels (the endpoint's SSL context, ALPN h2, server name, certificate pinning,
connect timeout), and sends what grpclib sends (headers, ``node`` metadata, ``grpc-timeout``, user agent).

Failures are raised as grpclib raises them (GRPCError, StreamTerminatedError, asyncio.TimeoutError) inside the
transport's own error mapping, so callers get the TalosError the grpclib path gives for the same answer, and an
endpoint that cannot be reached, or that goes away without taking the call (GOAWAY), leaves the call to the next.

Memory: at most BATCH bytes wait for the caller before it is woken, and received bytes are acknowledged to the
server (WINDOW_UPDATE) only while fewer than HOLD bytes wait, so a slow caller stops the server at WINDOW.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Optional

try:
    import hpack
    from google.protobuf.message import DecodeError
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError, StreamTerminatedError
except ImportError:  # Transport reports the missing library before any call
    pass

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._rpc_method import RpcMethod
from ansible_collections.talos.linux.plugins.module_utils.client import h2_frames as h2
from ansible_collections.talos.linux.plugins.module_utils.client.grpc_headers import (
    check_response, check_status, request_headers)
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.transport import (
    CONNECT_TIMEOUT, _describe_transport_error, _TransportError)

if TYPE_CHECKING:
    from ansible_collections.talos.linux.plugins.module_utils.client.transport import Transport, _Endpoint

BATCH = 1 << 20  # bytes handed to the caller at a time
WINDOW = 8 << 20  # receive window of the stream and of the connection
ACK_AFTER = 1 << 20  # received bytes acknowledged in one WINDOW_UPDATE
HOLD = 4 << 20  # waiting bytes beyond which nothing more is acknowledged
MAX_MESSAGE = 32 << 20  # apid's limit (constants.GRPCMaxMessageSize @ v1.13.9): bounds a message's buffer
STREAM_ID = 1  # the connection's one stream
_MESSAGE_PREFIX = struct.Struct('>BL')  # compressed flag, length (gRPC PROTOCOL-HTTP2.md, Length-Prefixed-Message)
_DATA_BYTES_TAG = 0x12  # common.Data field 2 (bytes), wire type 2 (length-delimited)


class _NotTaken(TalosError):
    """The server went away (GOAWAY) without processing the call: another endpoint may take it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code='UNAVAILABLE')


def plain_data_bytes(body: memoryview) -> Optional[memoryview]:
    """The ``bytes`` of a ``common.Data`` message holding that field only (what Talos sends), else None."""
    size = len(body)
    if size < 2 or body[0] != _DATA_BYTES_TAG:
        return None
    length, shift, pos = 0, 0, 1
    while pos < size and shift < 35:  # the length's varint: a message is under 2^32 bytes
        byte = body[pos]
        length |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return body[pos:] if pos + length == size else None
        shift += 7
    return None


class DataStreamProtocol(asyncio.Protocol):
    """One connection carrying one server-streaming call whose replies are ``common.Data``.

    Parsing happens as bytes arrive; ``chunks()`` hands the ``bytes`` fields over, joined. ``decode_other``
    turns any message ``plain_data_bytes`` does not read into its bytes (or raises the error it carries).
    """

    def __init__(self, decode_other: Callable[[bytes], bytes]) -> None:
        self._decode_other = decode_other
        self._transport: Any = None
        self._hpack = hpack.Decoder()
        self._rest = b''  # the start of a frame not yet whole
        self._chunks: list = []  # Data bytes (memoryviews of received bytes) not yet handed over
        self._ready = 0  # their size
        self._carry: Optional[bytearray] = None  # a message begun in an earlier DATA frame
        self._carry_size = 0  # its size with its prefix, once the prefix is known
        self._unacked = 0  # flow-controlled bytes received and not yet acknowledged
        self._block: Optional[list] = None  # header block fragments while CONTINUATION frames are due
        self._block_ends_stream = False
        self._responded = False  # response headers received
        self._done = False  # trailers with status OK received
        self._error: Optional[BaseException] = None
        self._waiter: Optional[asyncio.Future] = None
        self._deadline: Optional[asyncio.TimerHandle] = None
        self.answered = False  # whether the server sent any byte (a refused client certificate sends none)
        self.lost: Optional[BaseException] = None  # what the connection ended with
        self.peer_max_frame = h2.DEFAULT_MAX_FRAME_SIZE

    # Sending

    def connection_made(self, transport: Any) -> None:
        """Open HTTP/2 (preface, settings, a wider connection window) as soon as connected: the server's SETTINGS
        may arrive before the call starts, and their acknowledgement must follow the preface."""
        self._transport = transport
        transport.write(h2.PREFACE
                        + h2.settings_frame({h2.SETTINGS_ENABLE_PUSH: 0, h2.SETTINGS_INITIAL_WINDOW_SIZE: WINDOW})
                        + h2.window_update_frame(0, WINDOW - h2.DEFAULT_WINDOW_SIZE))

    def start(self, headers: list[tuple[str, str]], message: bytes, timeout: float) -> None:
        """Send the whole call at once: headers, the one request message, the end of the stream."""
        if len(message) + _MESSAGE_PREFIX.size > h2.DEFAULT_WINDOW_SIZE:
            raise ValueError('a request must fit the initial flow-control window')
        block = hpack.Encoder().encode(headers)
        self._transport.write(b''.join((
            h2.header_frames(STREAM_ID, block, self.peer_max_frame, end_stream=False),
            h2.data_frames(STREAM_ID, _MESSAGE_PREFIX.pack(0, len(message)) + message, self.peer_max_frame,
                           end_stream=True),
        )))
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_at(loop.time() + timeout, self._fail, asyncio.TimeoutError())

    def close(self) -> None:
        """End the connection: the stream is cancelled first unless the server has ended it."""
        if self._deadline is not None:
            self._deadline.cancel()
        if self._transport is None or self._transport.is_closing():
            return
        ending = b'' if self._done else h2.rst_stream_frame(STREAM_ID, h2.CANCEL)
        self._transport.write(ending + h2.goaway_frame(0, h2.NO_ERROR))
        self._transport.close()

    def _acknowledge(self) -> None:
        if self._unacked >= ACK_AFTER and self._ready < HOLD and not self._done and not self._transport.is_closing():
            self._transport.write(h2.window_update_frame(0, self._unacked)
                                  + h2.window_update_frame(STREAM_ID, self._unacked))
            self._unacked = 0

    # Handing over

    async def chunks(self) -> AsyncIterator[bytes]:
        """The ``bytes`` of the messages, joined into chunks of about BATCH bytes, until the call ends."""
        while True:
            if self._error is not None:
                raise self._error
            if self._chunks and (self._ready >= BATCH or self._done):
                pieces, self._chunks, self._ready = self._chunks, [], 0
                self._acknowledge()
                yield b''.join(pieces)
            elif self._done:
                return
            else:
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self._error is None and not self._done:
            self._error = error
            self._chunks, self._ready = [], 0
            self._wake()

    # Receiving

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.lost = exc
        self._fail(StreamTerminatedError('Connection lost'))  # grpclib's words (protocol.H2Protocol)

    def data_received(self, data: bytes) -> None:
        self.answered = True
        if self._error is not None or self._done:
            return
        if self._rest:
            data = self._rest + data
        try:
            used = self._frames(data)
        except h2.H2ProtocolError as exc:
            self._transport.write(h2.goaway_frame(0, exc.http2_code))  # 0: the server opened no stream of ours
            self._fail(StreamTerminatedError('Protocol error: %s' % exc))
            return
        except (GRPCError, StreamTerminatedError, TalosError) as exc:
            self._fail(exc)
            return
        self._rest = data[used:]
        self._acknowledge()
        if self._ready >= BATCH or self._done:
            self._wake()

    def _frames(self, data: bytes) -> int:
        """Handle every whole frame in ``data``; how many bytes they took."""
        view = memoryview(data)
        end = len(data)
        pos = 0
        unpack = h2.HEADER.unpack_from
        while end - pos >= h2.HEADER_SIZE and self._error is None and not self._done:
            high, low, frame_type, flags, stream_id = unpack(data, pos)
            length = high << 16 | low
            if length > h2.DEFAULT_MAX_FRAME_SIZE:
                raise h2.H2ProtocolError('a frame of %d bytes' % length, h2.FRAME_SIZE_ERROR)
            start = pos + h2.HEADER_SIZE
            if end - start < length:
                break
            pos = start + length
            if frame_type == h2.DATA and stream_id == STREAM_ID and self._responded and self._block is None:
                self._unacked += length  # padding included (RFC 9113 section 6.1)
                if self._unacked > WINDOW:
                    raise h2.H2ProtocolError('more data than the flow-control window', h2.FLOW_CONTROL_ERROR)
                self._messages(h2.unpadded(view[start:pos], flags) if flags & h2.PADDED else view[start:pos])
                if flags & h2.END_STREAM:
                    # grpc-go's words (internal/transport: a stream without trailers)
                    raise GRPCError(Status.INTERNAL, 'server closed the stream without sending trailers')
            else:
                self._control_frame(frame_type, flags, stream_id & h2.STREAM_ID_MASK, view[start:pos])
        return pos

    def _messages(self, payload: memoryview) -> None:
        """The gRPC messages in one DATA frame's payload, and those it completes or begins."""
        if self._carry is not None:
            payload = self._continue_message(payload)
        pos, size = 0, len(payload)
        while size - pos >= _MESSAGE_PREFIX.size:
            compressed, length = _MESSAGE_PREFIX.unpack_from(payload, pos)
            if compressed or length > MAX_MESSAGE:
                _check_prefix(compressed, length)
            start = pos + _MESSAGE_PREFIX.size
            if size - start < length:
                break
            pos = start + length
            self._message(payload[start:pos])
        if pos < size:
            self._carry, self._carry_size = bytearray(), 0
            self._continue_message(payload[pos:])

    def _continue_message(self, payload: memoryview) -> memoryview:
        """Add to the message begun in earlier frames; what of ``payload`` is left once it is complete."""
        carry = self._carry
        if not self._carry_size:
            missing = _MESSAGE_PREFIX.size - len(carry)
            carry += payload[:missing]
            payload = payload[missing:]
            if len(carry) < _MESSAGE_PREFIX.size:
                return payload
            compressed, length = _MESSAGE_PREFIX.unpack_from(carry)
            _check_prefix(compressed, length)
            self._carry_size = _MESSAGE_PREFIX.size + length
        missing = self._carry_size - len(carry)
        carry += payload[:missing]
        if len(carry) == self._carry_size:
            self._carry = None
            self._message(memoryview(carry)[_MESSAGE_PREFIX.size:])
        return payload[missing:]

    def _message(self, body: memoryview) -> None:
        piece = plain_data_bytes(body)
        if piece is None:
            piece = self._decode_other(bytes(body))
        if piece:
            self._chunks.append(piece)
            self._ready += len(piece)

    def _control_frame(self, frame_type: int, flags: int, stream_id: int, payload: memoryview) -> None:
        if self._block is not None and frame_type != h2.CONTINUATION:
            raise h2.H2ProtocolError('a header block interrupted by another frame')
        if frame_type in (h2.HEADERS, h2.CONTINUATION):
            self._header_frame(frame_type, flags, stream_id, payload)
        elif frame_type == h2.SETTINGS:
            self._settings(flags, stream_id, payload)
        elif frame_type == h2.PING:
            if stream_id or len(payload) != 8:
                raise h2.H2ProtocolError('a PING frame on stream %d of %d bytes' % (stream_id, len(payload)))
            if not flags & h2.ACK:
                self._transport.write(h2.frame(h2.PING, h2.ACK, 0, bytes(payload)))
        elif frame_type == h2.RST_STREAM:
            code = h2.read_u32(payload, 'RST_STREAM')
            if stream_id != STREAM_ID:
                raise h2.H2ProtocolError('RST_STREAM on stream %d, which was never opened' % stream_id)
            raise StreamTerminatedError('Stream reset by remote party, error_code: %d' % code)  # grpclib's words
        elif frame_type == h2.GOAWAY:
            self._goaway(payload)
        elif frame_type == h2.WINDOW_UPDATE:
            h2.read_u32(payload, 'WINDOW_UPDATE')  # the request is sent whole at once: nothing waits for window
        elif frame_type in (h2.DATA, h2.PUSH_PROMISE):
            raise h2.H2ProtocolError('a frame of type %d on stream %d before response headers, or on a stream '
                                     'this client never opened' % (frame_type, stream_id))
        # PRIORITY and unknown frame types are ignored (RFC 9113 sections 5.5 and 6.3)

    def _settings(self, flags: int, stream_id: int, payload: memoryview) -> None:
        if stream_id:
            raise h2.H2ProtocolError('SETTINGS on stream %d' % stream_id)
        if flags & h2.ACK:
            return
        for key, value in h2.read_settings(payload):
            if key == h2.SETTINGS_MAX_FRAME_SIZE:
                if not h2.DEFAULT_MAX_FRAME_SIZE <= value < 1 << 24:
                    raise h2.H2ProtocolError('MAX_FRAME_SIZE %d' % value)
                self.peer_max_frame = value
            elif key == h2.SETTINGS_INITIAL_WINDOW_SIZE and value > h2.MAX_WINDOW_SIZE:
                raise h2.H2ProtocolError('INITIAL_WINDOW_SIZE %d' % value, h2.FLOW_CONTROL_ERROR)
        self._transport.write(h2.frame(h2.SETTINGS, h2.ACK, 0))

    def _goaway(self, payload: memoryview) -> None:
        last_stream_id, code = h2.read_goaway(payload)
        if last_stream_id < STREAM_ID:
            raise _NotTaken('the node went away without taking the call (GOAWAY, last stream %d)' % last_stream_id)
        if code != h2.NO_ERROR:
            # grpclib's words (protocol.EventsProcessor); a graceful GOAWAY lets the call finish
            raise StreamTerminatedError('Received GOAWAY frame, closing connection; error_code: %d' % code)

    def _header_frame(self, frame_type: int, flags: int, stream_id: int, payload: memoryview) -> None:
        if stream_id != STREAM_ID:
            raise h2.H2ProtocolError('a header block on stream %d, which was never opened' % stream_id)
        if frame_type == h2.HEADERS:
            if self._block is not None:
                raise h2.H2ProtocolError('HEADERS while CONTINUATION frames were due')
            self._block, self._block_ends_stream = [bytes(h2.header_fragment(payload, flags))], bool(
                flags & h2.END_STREAM)
        elif self._block is None:
            raise h2.H2ProtocolError('CONTINUATION without HEADERS')
        else:
            self._block.append(bytes(payload))
        if flags & h2.END_HEADERS:
            block, self._block = b''.join(self._block), None
            try:
                headers = dict(self._hpack.decode(block))
            except hpack.HPACKError as exc:
                raise h2.H2ProtocolError('header block: %s' % exc, h2.COMPRESSION_ERROR) from None
            self._headers(headers, self._block_ends_stream)

    def _headers(self, headers: dict[str, str], ends_stream: bool) -> None:
        """Response headers, trailers, or both at once (Trailers-Only); checked in grpclib's order."""
        if not self._responded:
            self._responded = True
            check_response(headers)
            if 'grpc-status' not in headers and not ends_stream:
                return
        elif not ends_stream:
            raise h2.H2ProtocolError('a second header block that does not end the stream')
        check_status(headers)
        self._done = True


def _check_prefix(compressed: int, length: int) -> None:
    """A message the call cannot take: compressed (none was asked for), or too large."""
    if compressed:
        # grpc-go's words for a compressed message on a call that asked for none (rpc_util.checkRecvPayload)
        raise GRPCError(Status.INTERNAL, 'grpc: compressed flag set with identity or empty encoding')
    if length > MAX_MESSAGE:
        raise GRPCError(Status.RESOURCE_EXHAUSTED,
                        'grpc: received message larger than max (%d vs. %d)' % (length, MAX_MESSAGE))


async def data_stream(transport: 'Transport', method: RpcMethod, request: Any = None, *, node: str | None = None,
                      timeout: float | None = None) -> AsyncIterator[bytes]:
    """``Transport.stream`` for a stream of ``common.Data``: its bytes in chunks of about BATCH bytes.

    Endpoints are tried in the transport's failover order while none has taken the call; errors are the
    transport's own TalosErrors.
    """
    body = (method.request() if request is None else request).SerializeToString()
    timeout = timeout or transport.settings.timeout
    failures = []
    for endpoint, metadata in transport._routes(node):  # pylint: disable=protected-access
        try:
            with transport._mapped_errors(method, node, endpoint, timeout, True):  # pylint: disable=protected-access
                protocol = await _connect(transport, endpoint, node, timeout)
                try:
                    protocol.start(request_headers(method.path, endpoint.host, endpoint.port, metadata, timeout), body,
                                   timeout)
                    async for chunk in protocol.chunks():
                        yield chunk
                except StreamTerminatedError as exc:
                    raise _certificate_refusal(transport, protocol, node, endpoint) or exc from None
                except _NotTaken as exc:
                    raise _TransportError(endpoint.address, str(exc)) from None
                finally:
                    protocol.close()
            return
        except _TransportError as exc:
            failures.append(str(exc))
    raise TalosError('no endpoint reachable: %s' % '; '.join(failures), code='UNAVAILABLE', node=node)


async def _connect(transport: 'Transport', endpoint: '_Endpoint', node: str | None,
                   timeout: float) -> DataStreamProtocol:
    """A new connection to the endpoint, made as the transport makes its channels' (Transport._connected_stream)."""
    await endpoint.pin()  # the pinned certificate fingerprint, when one is configured, as for the channels
    check_reply = transport._check_reply  # pylint: disable=protected-access

    def decode_other(body: bytes) -> bytes:
        try:
            reply = common_pb2.Data.FromString(body)
        except DecodeError as exc:
            raise GRPCError(Status.INTERNAL, 'a reply that is not a common.Data message: %s' % exc) from None
        check_reply(reply, node, endpoint.address)  # a node's error inside an OK reply
        return reply.bytes

    loop = asyncio.get_running_loop()
    connect_timeout = min(CONNECT_TIMEOUT, timeout)
    try:
        _sock, protocol = await asyncio.wait_for(loop.create_connection(
            lambda: DataStreamProtocol(decode_other), endpoint.host, endpoint.port,
            ssl=transport._ssl), connect_timeout)  # pylint: disable=protected-access
    except (OSError, asyncio.TimeoutError) as exc:
        rejected = transport._certificate_rejected(  # pylint: disable=protected-access
            endpoint, exc, None) if isinstance(exc, ssl.SSLError) else None
        if rejected is not None:  # TLS 1.2: refused inside the handshake; no other endpoint will accept it
            raise rejected from None
        raise _TransportError(endpoint.address, _describe_transport_error(exc, connect_timeout)) from None
    return protocol


def _certificate_refusal(transport: 'Transport', protocol: DataStreamProtocol, node: str | None,
                         endpoint: '_Endpoint') -> Optional[TalosError]:
    """The node's refusal of the client certificate, when that is what ended the connection (TLS 1.3)."""
    client_cert = transport._client_cert  # pylint: disable=protected-access
    if client_cert is None or protocol.lost is None:
        return None
    return client_cert.error(protocol.lost, protocol.answered, node=node, endpoint=endpoint.address)
