# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The grpclib client Channel talos-sim dials with (etcd, apid's proxy): its connections do not hex-dump DATA frames.

h2 (4.4.1) hands ``repr(frame)`` of each received frame to its logger (h2/connection.py:
H2Connection._receive_frame), built eagerly whatever the logger, and hyperframe (6.1.0) makes a DATA frame's repr
by hexlifying its whole payload. On the etcd snapshot stream that costs talos-sim more CPU than decoding the
messages, CPU the fleet's event loop owes to every other machine. So each connection's frame buffer hands DATA
frames to h2 as a DataFrame subclass whose repr gives the stream and the payload's length only, and the
connection's frame dispatch table sends that class to h2's own DATA handler.

``quiet_problem`` says why a connection could not be set up so (a library release that moved those private
attributes): the connection then works as h2 made it, only slower, and the unit test fails.
"""

from __future__ import annotations

from typing import Any, Optional

from grpclib.client import Channel, Handler
from grpclib.protocol import H2Protocol
from h2.frame_buffer import FrameBuffer
from hyperframe.frame import DataFrame


class _LengthReprDataFrame(DataFrame):
    def __repr__(self) -> str:
        return 'DataFrame(stream_id=%d): <%d bytes>' % (self.stream_id, len(self.data))


class _FrameBuffer(FrameBuffer):
    def __next__(self) -> Any:
        frame = super().__next__()
        if frame.__class__ is DataFrame:
            frame.__class__ = _LengthReprDataFrame
        return frame


def quiet_problem(h2_connection: Any) -> Optional[str]:
    """Set up a new h2 connection's DATA frames as above; why it cannot be, or None once done."""
    frames = getattr(h2_connection, '_frame_dispatch_table', None)
    if not isinstance(frames, dict) or not callable(frames.get(DataFrame)):
        return "h2's frame dispatch table has no DATA frame handler"
    buffer = getattr(h2_connection, 'incoming_buffer', None)
    if type(buffer) is not FrameBuffer:  # pylint: disable=unidiomatic-typecheck  # a subclass may parse differently
        return "h2's incoming_buffer is not an h2.frame_buffer.FrameBuffer"
    replacement = _FrameBuffer(server=not h2_connection.config.client_side)
    replacement.max_frame_size = buffer.max_frame_size
    h2_connection.incoming_buffer = replacement
    frames[_LengthReprDataFrame] = frames[DataFrame]
    return None


class _Protocol(H2Protocol):
    problem: Optional[str] = 'not connected'

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.problem = quiet_problem(getattr(self.connection, '_connection', None))


class QuietChannel(Channel):
    """grpclib's Channel, with the DATA frames above on every connection it opens."""

    def _protocol_factory(self) -> H2Protocol:
        return _Protocol(Handler(), self._config, self._h2_config)
