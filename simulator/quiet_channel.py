# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's HTTP/2 connections do not hex-dump the DATA and HEADERS frames they receive.

The grpclib client Channel talos-sim dials with (etcd, apid's proxy) is set up so, and so is each connection its
API servers accept (simulator.transport); both also write what one turn of the event loop produced as one write
(simulator.batched_writes).

h2 (4.4.1) hands ``repr(frame)`` of each received frame to its logger (h2/connection.py:
H2Connection._receive_frame), built eagerly whatever the logger, and hyperframe (6.1.0) makes a DATA frame's repr
by hexlifying its whole payload, a HEADERS frame's by hexlifying its header block. On the etcd snapshot stream
that costs talos-sim more CPU than decoding the messages, and on small calls a few percent of each: CPU the
fleet's event loop owes to every other machine. So each connection's frame buffer hands DATA and HEADERS frames
to h2 as subclasses whose repr gives the stream and the payload's length only, and the connection's frame
dispatch table sends each subclass to h2's own handler of its frame type.

A peer that writes one DATA frame per small message (grpc-go: 1 KiB snapshot chunks, simulator.stream_frames)
would still cost a frame parse and an h2 event each; the buffer hands h2 the flagless DATA frames of a stream
that arrived back to back as one frame, their bodies joined: h2 accounts the same flow-control bytes and grpclib
reads the same stream of bytes, in fewer pieces.

``quiet_problem`` says why a connection could not be set up so (a library release that moved those private
attributes): the connection then works as h2 made it, only slower, and the unit test fails.
"""

from __future__ import annotations

import struct
from typing import Any, Optional

from grpclib.client import Channel, Handler
from grpclib.protocol import H2Protocol
from h2.frame_buffer import FrameBuffer
from hyperframe.frame import DataFrame, HeadersFrame

from simulator.batched_writes import BatchedWrites

_FRAME_HEADER = struct.Struct('>IBI')  # length (24 bits) and type, flags, stream id (RFC 9113 4.1)
_DATA_TYPE = 0


class _LengthReprDataFrame(DataFrame):
    def __repr__(self) -> str:
        return 'DataFrame(stream_id=%d): <%d bytes>' % (self.stream_id, len(self.data))


class _LengthReprHeadersFrame(HeadersFrame):
    def __repr__(self) -> str:
        return 'HeadersFrame(stream_id=%d): <%d bytes>' % (self.stream_id, len(self.data))


class _FrameBuffer(FrameBuffer):
    def __next__(self) -> Any:
        frame = super().__next__()
        if frame.__class__ is DataFrame:
            frame.__class__ = _LengthReprDataFrame
            if not frame.flags:
                self._take_following_data(frame)
        elif frame.__class__ is HeadersFrame:
            frame.__class__ = _LengthReprHeadersFrame
        return frame

    def _take_following_data(self, frame: DataFrame) -> None:
        """Append to ``frame`` the bodies of the flagless DATA frames of its stream received right behind it."""
        data = self._data
        bodies, pos, end = [frame.data], 0, len(data)
        while end - pos >= _FRAME_HEADER.size:
            length_and_type, flags, stream_id = _FRAME_HEADER.unpack_from(data, pos)
            length, start = length_and_type >> 8, pos + _FRAME_HEADER.size
            if (length_and_type & 0xFF != _DATA_TYPE or flags or stream_id & 0x7FFFFFFF != frame.stream_id
                    or length > self.max_frame_size or end - start < length):
                break  # anything else is parsed (and checked) by h2 as it comes
            bodies.append(data[start:start + length])
            pos = start + length
        if pos:
            del data[:pos]
            frame.data = b''.join(bodies)


def quiet_problem(h2_connection: Any) -> Optional[str]:
    """Set up a new h2 connection's DATA and HEADERS frames as above; why it cannot be, or None once done."""
    frames = getattr(h2_connection, '_frame_dispatch_table', None)
    if not isinstance(frames, dict) or not callable(frames.get(DataFrame)) or not callable(frames.get(HeadersFrame)):
        return "h2's frame dispatch table has no DATA or HEADERS frame handler"
    buffer = getattr(h2_connection, 'incoming_buffer', None)
    if type(buffer) is not FrameBuffer:  # pylint: disable=unidiomatic-typecheck  # a subclass may parse differently
        return "h2's incoming_buffer is not an h2.frame_buffer.FrameBuffer"
    if not isinstance(getattr(buffer, '_data', None), bytearray):
        return "h2's FrameBuffer keeps its unparsed bytes elsewhere than a _data bytearray"
    replacement = _FrameBuffer(server=not h2_connection.config.client_side)
    replacement.max_frame_size = buffer.max_frame_size
    h2_connection.incoming_buffer = replacement
    frames[_LengthReprDataFrame] = frames[DataFrame]
    frames[_LengthReprHeadersFrame] = frames[HeadersFrame]
    return None


class _Protocol(H2Protocol):
    problem: Optional[str] = 'not connected'

    def connection_made(self, transport: Any) -> None:
        super().connection_made(BatchedWrites(transport))
        self.problem = quiet_problem(getattr(self.connection, '_connection', None))


class QuietChannel(Channel):
    """grpclib's Channel, with the DATA frames above on every connection it opens."""

    def _protocol_factory(self) -> H2Protocol:
        return _Protocol(Handler(), self._config, self._h2_config)
