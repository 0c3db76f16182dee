# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Received DATA frames whose repr() does not hex-dump their payload.

h2 (4.4.1, and its main branch) passes ``repr(frame)`` of every frame it receives to its logger's ``trace``
(h2/connection.py:H2Connection._receive_frame). The repr is built before the call, so no logger object set
through H2Configuration's ``logger`` can avoid it, and hyperframe (6.1.0) builds a DATA frame's repr by
serialising the frame and hexlifying its whole payload to show the first ten bytes. On a large stream (an etcd
snapshot, a log) that is about a fifth of the client's CPU, for a string nobody reads.

Each connection's frame buffer is therefore replaced before its first byte arrives by one that hands DATA
frames to h2 as ``_DataFrame``: hyperframe's DataFrame with a repr giving the stream and the payload's length
only (Talos sends an etcd snapshot as one 1 KiB message per frame, so even a short repr adds up), and the
connection's frame dispatch table routes that class to h2's own DATA handler. Everything else about the frame
is h2's and hyperframe's.

Both are private attributes of h2: ``quiet_data_frames`` checks them and says what is missing instead, the
connection then keeps h2's behaviour, and the tests assert the replacement is in place.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

try:
    from h2.frame_buffer import FrameBuffer
    from hyperframe.frame import DataFrame
except ImportError:  # the transport reports the missing library
    FrameBuffer = DataFrame = object  # type: ignore[misc,assignment]


class _DataFrame(DataFrame):  # type: ignore[misc,valid-type]
    def __repr__(self) -> str:
        return 'DataFrame(stream_id=%d): <%d bytes>' % (self.stream_id, len(self.data))


class _FrameBuffer(FrameBuffer):  # type: ignore[misc,valid-type]
    def __next__(self) -> Any:
        frame = super().__next__()
        if frame.__class__ is DataFrame:
            frame.__class__ = _DataFrame
        return frame


def quiet_data_frames(h2_connection: Any) -> Optional[str]:
    """Give a new h2 connection DATA frames with a cheap repr; why that cannot be done, or None once done."""
    frames = getattr(h2_connection, '_frame_dispatch_table', None)
    if not isinstance(frames, dict) or not callable(frames.get(DataFrame)):
        return "h2's frame dispatch table has no DATA frame handler"
    buffer = getattr(h2_connection, 'incoming_buffer', None)
    if type(buffer) is not FrameBuffer:  # pylint: disable=unidiomatic-typecheck  # a subclass may parse differently
        return "h2's incoming_buffer is not an h2.frame_buffer.FrameBuffer"
    replacement = _FrameBuffer(server=not h2_connection.config.client_side)
    replacement.max_frame_size = buffer.max_frame_size
    h2_connection.incoming_buffer = replacement
    frames[_DataFrame] = frames[DataFrame]
    return None
