# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A server stream's messages written as grpc-go writes them, one HTTP/2 DATA frame each, many frames per write.

grpc-go's loopy writer puts each message (its 5-byte gRPC prefix and the encoded message) in a DATA frame of its
own, cut only where the stream's or the connection's send quota, or the 16 KiB frame limit, ends first
(google.golang.org/grpc internal/transport/controlbuf.go:loopyWriter.processData, read at Debian's 1.33.3; Talos
v1.13.9 pins v1.82.1, same rule). grpclib's ``Stream.send_message`` gives the same frames but spends ~30 us per
message (codec, h2's frame objects, one transport write each); on a snapshot of 250k 1 KiB messages that is the
sim's CPU, not the client's. ``FrameWriter`` builds the same frames itself and writes them per batch, keeping h2's
flow-control windows as ``H2Connection.send_data`` keeps them, waiting as grpclib waits (transport paused, window
spent) and stopping as h2 does on a stream that is no longer open.

Those are grpclib 0.4.x / h2 4.x internals: ``writer_problem`` says which one moved (the caller then sends through
grpclib, slower), and a unit test fails while it says anything.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, Iterable, Optional

from grpclib.exceptions import StreamTerminatedError
from h2.connection import H2Connection
from h2.exceptions import StreamClosedError
from h2.stream import StreamState

if TYPE_CHECKING:
    from grpclib.server import Stream

GRPC_PREFIX = struct.Struct('>?I')  # compressed flag, message length (gRPC over HTTP/2 "Length-Prefixed-Message")
_DATA_HEADER = struct.Struct('>IBI')  # length (24 bits) and type DATA (0), flags (none), stream id (RFC 9113 4.1)
_SENDING_STATES = (StreamState.OPEN, StreamState.HALF_CLOSED_REMOTE)  # where h2 lets a stream send DATA


def writer_problem(stream: 'Stream') -> Optional[str]:
    """Why ``FrameWriter`` cannot write on this grpclib server stream, or None when it can."""
    h2_stream = getattr(stream, '_stream', None)
    for name in ('_h2_connection', '_transport', 'connection', 'window_updated', 'id'):
        if not hasattr(h2_stream, name):
            return "grpclib's server Stream._stream has no %s" % name
    if not isinstance(getattr(stream, '_send_initial_metadata_done', None), bool):
        return "grpclib's server Stream has no _send_initial_metadata_done flag"
    if not hasattr(getattr(h2_stream, 'connection', None), 'write_ready'):
        return "grpclib's Connection has no write_ready event"
    connection = getattr(h2_stream, '_h2_connection', None)
    if not isinstance(connection, H2Connection):
        return "grpclib's Stream._h2_connection is not an h2 H2Connection"
    for name in ('outbound_flow_control_window', 'max_outbound_frame_size'):
        if not isinstance(getattr(connection, name, None), int):
            return 'h2 H2Connection has no %s' % name
    own = connection.streams.get(h2_stream.id)
    if own is None or not isinstance(getattr(own, 'outbound_flow_control_window', None), int):
        return 'h2 H2Stream has no outbound_flow_control_window'
    if not isinstance(getattr(getattr(own, 'state_machine', None), 'state', None), StreamState):
        return 'h2 H2Stream has no state_machine.state'
    return None


class FrameWriter:
    """Writes encoded messages on a grpclib server stream (``writer_problem`` None), one DATA frame each."""

    def __init__(self, stream: 'Stream') -> None:
        self._server_stream = stream
        self._stream: Any = stream._stream  # pylint: disable=protected-access  # checked by writer_problem
        self._h2: H2Connection = self._stream._h2_connection  # pylint: disable=protected-access

    async def send(self, messages: Iterable[bytes]) -> None:
        """Send each encoded message as one gRPC message; return once every frame is handed to the transport."""
        await self.send_prefixed([GRPC_PREFIX.pack(False, len(message)) + message for message in messages])

    async def send_prefixed(self, payloads: list[bytes]) -> None:
        """``send`` for messages that already carry their gRPC prefix (a relay's); the list is consumed."""
        server_stream = self._server_stream
        if not server_stream._send_initial_metadata_done:  # pylint: disable=protected-access
            await server_stream.send_initial_metadata()
        sent_messages = len(payloads)
        while payloads:
            await self._stream.connection.write_ready.wait()
            window = self._window()
            if window <= 0:
                self._stream.window_updated.clear()
                await self._stream.window_updated.wait()
                continue
            self._write(payloads, window)
        server_stream._messages_sent += sent_messages  # pylint: disable=protected-access  # grpclib's counters
        self._stream.connection.messages_sent += sent_messages

    def _window(self) -> int:
        """What h2's local_flow_control_window says, raising as h2's send_data would on a stream not open."""
        if self._stream._transport.is_closing():  # pylint: disable=protected-access
            raise StreamTerminatedError('Connection lost')
        own = self._h2.streams.get(self._stream.id)
        if own is None or own.state_machine.state not in _SENDING_STATES:
            raise StreamClosedError(self._stream.id)
        return min(self._h2.outbound_flow_control_window, own.outbound_flow_control_window)

    def _write(self, payloads: list[bytes], window: int) -> None:
        """Frame the payloads that fit in ``window`` (the last one cut if need be), dropping them from the list."""
        stream_id, max_frame = self._stream.id, self._h2.max_outbound_frame_size
        out = [self._h2.data_to_send()]  # what h2 already queued (a WINDOW_UPDATE, a PING ack) goes first
        taken = sent = 0
        for payload in payloads:
            size = len(payload)
            if size > window or size > max_frame:
                size = min(window, max_frame)
                out.append(_DATA_HEADER.pack(size << 8, 0, stream_id))
                out.append(payload[:size])
                payloads[taken] = payload[size:]
                sent += size
                break
            out.append(_DATA_HEADER.pack(size << 8, 0, stream_id))
            out.append(payload)
            taken += 1
            sent += size
            window -= size
            if not window:
                break
        del payloads[:taken]
        self._h2.outbound_flow_control_window -= sent
        self._h2.streams[stream_id].outbound_flow_control_window -= sent
        self._stream._transport.write(b''.join(out))  # pylint: disable=protected-access
        self._stream.data_sent += sent
        self._stream.connection.data_sent += sent
        self._stream.connection.data_send_process()
