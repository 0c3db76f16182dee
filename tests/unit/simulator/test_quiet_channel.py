# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's connections hand h2 back-to-back DATA frames of a stream as one, and nothing else; DATA and HEADERS
frames reach h2 with a repr that does not hex-dump them."""

from __future__ import annotations

from typing import Any

from h2.config import H2Configuration
from h2.connection import H2Connection
from hyperframe.frame import DataFrame, HeadersFrame, PingFrame

from simulator.quiet_channel import quiet_problem


def _buffered(wire: bytes) -> Any:
    connection = H2Connection(H2Configuration(client_side=True))
    assert quiet_problem(connection) is None
    connection.incoming_buffer.max_frame_size = 16384  # as H2Connection.receive_data sets it
    connection.incoming_buffer.add_data(wire)
    return connection.incoming_buffer


def _parsed(wire: bytes) -> list[tuple[str, int, bytes, set[str]]]:
    return [(type(frame).__name__, frame.stream_id, getattr(frame, 'data', b''), set(frame.flags))
            for frame in _buffered(wire)]


def _data(stream_id: int, body: bytes, *flags: str) -> bytes:
    return DataFrame(stream_id, body, flags=flags).serialize()


def test_flagless_data_frames_of_a_stream_in_a_row_become_one():
    frames = _parsed(_data(1, b'a' * 1000) + _data(1, b'b' * 1000) + _data(1, b'c' * 10))
    assert frames == [('_LengthReprDataFrame', 1, b'a' * 1000 + b'b' * 1000 + b'c' * 10, set())]


def test_another_stream_a_flag_or_another_frame_type_ends_the_run():
    wire = (_data(1, b'a') + _data(1, b'b') + _data(3, b'c') + _data(3, b'd', 'END_STREAM') + _data(1, b'e')
            + PingFrame(0, b'12345678').serialize() + _data(1, b'f'))
    data = '_LengthReprDataFrame'
    assert _parsed(wire) == [(data, 1, b'ab', set()), (data, 3, b'c', set()), (data, 3, b'd', {'END_STREAM'}),
                             (data, 1, b'e', set()), ('PingFrame', 0, b'', set()), (data, 1, b'f', set())]


def test_a_frame_not_all_received_yet_waits_for_the_rest():
    whole, partial = _data(1, b'a' * 100), _data(1, b'b' * 100)
    connection = H2Connection(H2Configuration(client_side=True))
    assert quiet_problem(connection) is None
    buffer = connection.incoming_buffer
    buffer.max_frame_size = 16384
    buffer.add_data(whole + partial[:50])
    assert [frame.data for frame in buffer] == [b'a' * 100]
    buffer.add_data(partial[50:])
    assert [frame.data for frame in buffer] == [b'b' * 100]


def test_a_headers_frame_reaches_h2_with_a_repr_that_does_not_hex_dump_its_header_block():
    block = b'\x88' * 300  # a header block as HPACK encodes it
    wire = HeadersFrame(1, block, flags=('END_HEADERS',)).serialize() + _data(1, b'x', 'END_STREAM')
    frames = list(_buffered(wire))
    assert [type(frame).__name__ for frame in frames] == ['_LengthReprHeadersFrame', '_LengthReprDataFrame']
    assert isinstance(frames[0], HeadersFrame) and frames[0].data == block
    assert repr(frames[0]) == 'HeadersFrame(stream_id=1): <300 bytes>'


def test_a_server_connection_is_set_up_the_same_and_h2_still_handles_the_request():
    connection = H2Connection(H2Configuration(client_side=False))
    assert quiet_problem(connection) is None
    client = H2Connection(H2Configuration(client_side=True))
    client.initiate_connection()
    client.send_headers(1, [(':method', 'POST'), (':scheme', 'http'), (':path', '/x'), (':authority', 'a')],
                        end_stream=True)
    events = connection.receive_data(client.data_to_send())
    assert [type(event).__name__ for event in events] == ['RemoteSettingsChanged', 'RequestReceived', 'StreamEnded']
