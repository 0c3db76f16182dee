# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DATA frames with a cheap repr (client.h2_data_frames) on a real h2 connection, and on every channel connection.

The replacement uses private attributes of h2: these tests fail when a release moves them.
"""

from __future__ import annotations

import asyncio

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import DataReceived
from h2.frame_buffer import FrameBuffer
from hpack import Encoder
from hyperframe.frame import DataFrame, HeadersFrame, SettingsFrame

from ansible_collections.talos.linux.plugins.module_utils.client.grpc_channel import RecordingChannel
from ansible_collections.talos.linux.plugins.module_utils.client.h2_data_frames import quiet_data_frames

PAYLOAD = bytes(range(256)) * 64  # 16 KiB, the largest DATA frame by default


class FakeTransport:
    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, _name: str, default=None):
        return default


def _client_with_a_call() -> H2Connection:
    connection = H2Connection(H2Configuration(client_side=True, header_encoding='ascii'))
    connection.initiate_connection()
    assert quiet_data_frames(connection) is None
    connection.receive_data(SettingsFrame(0).serialize())
    connection.send_headers(1, [(':method', 'POST'), (':scheme', 'http'), (':path', '/a/B'), (':authority', 'x')],
                            end_stream=True)
    headers = HeadersFrame(1, Encoder().encode([(':status', '200')]))
    headers.flags.add('END_HEADERS')
    connection.receive_data(headers.serialize())
    return connection


def test_data_frames_reach_the_stream_unchanged():
    connection = _client_with_a_call()
    events = connection.receive_data(DataFrame(1, PAYLOAD).serialize() + DataFrame(1, b'end').serialize())
    assert [event.data for event in events if isinstance(event, DataReceived)] == [PAYLOAD, b'end']


def test_a_data_frame_repr_no_longer_dumps_its_payload():
    connection = _client_with_a_call()
    connection.incoming_buffer.add_data(DataFrame(1, PAYLOAD).serialize())
    frame = next(connection.incoming_buffer)
    assert isinstance(frame, DataFrame) and frame.data == PAYLOAD
    assert repr(frame) == 'DataFrame(stream_id=1): <16384 bytes>'


def test_what_h2_no_longer_has_is_reported_not_patched_over():
    assert quiet_data_frames(object()) == "h2's frame dispatch table has no DATA frame handler"
    connection = H2Connection(H2Configuration(client_side=True))

    class OtherBuffer(FrameBuffer):
        pass
    connection.incoming_buffer = OtherBuffer()
    assert quiet_data_frames(connection) == "h2's incoming_buffer is not an h2.frame_buffer.FrameBuffer"


def test_every_channel_connection_gets_them():
    async def connect():
        protocol = RecordingChannel('127.0.0.1', 1)._protocol_factory()  # pylint: disable=protected-access
        assert protocol.data_frames_problem == 'not connected'
        protocol.connection_made(FakeTransport())
        return protocol.data_frames_problem
    assert asyncio.run(connect()) is None
