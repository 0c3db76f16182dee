# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP/2 frames on the wire (RFC 9113): their numbers, building the few a client sends, reading their payloads.

Only what a client of one server-streaming call needs (client.bulk_stream): payloads are read from a
memoryview of the received bytes without copying them. Header blocks are HPACK's business (the hpack library).

Private module: free to change between releases.
"""

from __future__ import annotations

import struct
from typing import Iterator

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'  # RFC 9113 section 3.4
# length (24 bits: one byte and two), type, flags, stream id (the top bit is reserved)
HEADER = struct.Struct('>BHBBL')
HEADER_SIZE = HEADER.size
STREAM_ID_MASK = 0x7FFFFFFF

# Frame types, RFC 9113 section 6
DATA = 0x0
HEADERS = 0x1
PRIORITY = 0x2
RST_STREAM = 0x3
SETTINGS = 0x4
PUSH_PROMISE = 0x5
PING = 0x6
GOAWAY = 0x7
WINDOW_UPDATE = 0x8
CONTINUATION = 0x9

# Flags
END_STREAM = 0x1
ACK = 0x1  # SETTINGS, PING
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20  # HEADERS carrying the (deprecated) priority fields

# Settings, RFC 9113 section 6.5.2
SETTINGS_HEADER_TABLE_SIZE = 0x1
SETTINGS_ENABLE_PUSH = 0x2
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5
DEFAULT_WINDOW_SIZE = 65535
DEFAULT_MAX_FRAME_SIZE = 16384  # also the largest frame we accept: we never announce another
MAX_WINDOW_SIZE = 2 ** 31 - 1

# Error codes, RFC 9113 section 7
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
FLOW_CONTROL_ERROR = 0x3
FRAME_SIZE_ERROR = 0x6
CANCEL = 0x8
COMPRESSION_ERROR = 0x9

_SETTING = struct.Struct('>HL')
_U32 = struct.Struct('>L')
_GOAWAY = struct.Struct('>LL')
_PRIORITY_SIZE = 5  # exclusive bit + stream dependency (4 bytes) and weight (1 byte)


class H2ProtocolError(TalosError):
    """The peer broke HTTP/2: a connection error (RFC 9113 section 5.4.1) with its HTTP/2 error code."""

    def __init__(self, message: str, http2_code: int = PROTOCOL_ERROR) -> None:
        super().__init__(message, code='INTERNAL')
        self.http2_code = http2_code


def frame(frame_type: int, flags: int, stream_id: int, payload: bytes = b'') -> bytes:
    length = len(payload)
    return HEADER.pack(length >> 16, length & 0xFFFF, frame_type, flags, stream_id) + payload


def settings_frame(settings: dict[int, int]) -> bytes:
    return frame(SETTINGS, 0, 0, b''.join(_SETTING.pack(key, value) for key, value in settings.items()))


def window_update_frame(stream_id: int, increment: int) -> bytes:
    return frame(WINDOW_UPDATE, 0, stream_id, _U32.pack(increment))


def goaway_frame(last_stream_id: int, code: int) -> bytes:
    return frame(GOAWAY, 0, 0, _GOAWAY.pack(last_stream_id, code))


def rst_stream_frame(stream_id: int, code: int) -> bytes:
    return frame(RST_STREAM, 0, stream_id, _U32.pack(code))


def header_frames(stream_id: int, block: bytes, max_frame_size: int, end_stream: bool) -> bytes:
    """A header block as HEADERS plus as many CONTINUATION frames as the peer's frame size needs."""
    pieces = [block[start:start + max_frame_size] for start in range(0, len(block), max_frame_size)] or [b'']
    frames = []
    for index, piece in enumerate(pieces):
        flags = END_HEADERS if index == len(pieces) - 1 else 0
        if index == 0:
            frames.append(frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream_id, piece))
        else:
            frames.append(frame(CONTINUATION, flags, stream_id, piece))
    return b''.join(frames)


def data_frames(stream_id: int, data: bytes, max_frame_size: int, end_stream: bool) -> bytes:
    """``data`` as DATA frames no larger than the peer allows, END_STREAM on the last when asked."""
    pieces = [data[start:start + max_frame_size] for start in range(0, len(data), max_frame_size)] or [b'']
    last = len(pieces) - 1
    return b''.join(frame(DATA, END_STREAM if end_stream and index == last else 0, stream_id, piece)
                    for index, piece in enumerate(pieces))


def unpadded(payload: memoryview, flags: int) -> memoryview:
    """A DATA or HEADERS payload without its padding (the PADDED flag: a length byte first, that many zeros last)."""
    if not flags & PADDED:
        return payload
    if not payload or payload[0] >= len(payload):
        raise H2ProtocolError('padding as long as the frame')
    return payload[1:len(payload) - payload[0]]


def header_fragment(payload: memoryview, flags: int) -> memoryview:
    """The header block fragment of a HEADERS frame: without padding and priority fields."""
    payload = unpadded(payload, flags)
    if flags & PRIORITY_FLAG:
        if len(payload) < _PRIORITY_SIZE:
            raise H2ProtocolError('HEADERS frame too short for its priority fields', FRAME_SIZE_ERROR)
        payload = payload[_PRIORITY_SIZE:]
    return payload


def read_settings(payload: memoryview) -> Iterator[tuple[int, int]]:
    if len(payload) % _SETTING.size:
        raise H2ProtocolError('SETTINGS frame of %d bytes' % len(payload), FRAME_SIZE_ERROR)
    return _SETTING.iter_unpack(payload)


def read_u32(payload: memoryview, what: str) -> int:
    """The one 32-bit field of RST_STREAM (error code) and WINDOW_UPDATE (increment)."""
    if len(payload) != _U32.size:
        raise H2ProtocolError('%s frame of %d bytes' % (what, len(payload)), FRAME_SIZE_ERROR)
    return _U32.unpack(payload)[0]


def read_goaway(payload: memoryview) -> tuple[int, int]:
    """(last stream id, error code) of a GOAWAY frame."""
    if len(payload) < _GOAWAY.size:
        raise H2ProtocolError('GOAWAY frame of %d bytes' % len(payload), FRAME_SIZE_ERROR)
    last_stream_id, code = _GOAWAY.unpack_from(payload)
    return last_stream_id & STREAM_ID_MASK, code
