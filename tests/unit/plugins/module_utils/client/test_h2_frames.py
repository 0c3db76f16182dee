# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP/2 frames as client.h2_frames builds and reads them, checked against hyperframe's parser and builder."""

from __future__ import annotations

import pytest
from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, RstStreamFrame,
                              SettingsFrame, WindowUpdateFrame)

from ansible_collections.talos.linux.plugins.module_utils.client import h2_frames as h2


def parse_all(data: bytes) -> list:
    """hyperframe's reading of a run of frames."""
    frames = []
    while data:
        frame, length = Frame.parse_frame_header(memoryview(data[:9]))
        frame.parse_body(memoryview(data[9:9 + length]))
        frames.append(frame)
        data = data[9 + length:]
    return frames


def test_a_large_header_block_is_split_into_continuation_frames():
    headers = [(':path', '/machine.MachineService/EtcdSnapshot'), ('x-long', 'v' * 40000)]
    block = Encoder().encode(headers)
    frames = parse_all(h2.header_frames(1, block, 16384, end_stream=True))
    assert [type(frame) for frame in frames] == [HeadersFrame, ContinuationFrame, ContinuationFrame]
    assert [sorted(frame.flags) for frame in frames] == [['END_STREAM'], [], ['END_HEADERS']]
    assert all(len(frame.data) <= 16384 and frame.stream_id == 1 for frame in frames)
    assert Decoder().decode(b''.join(frame.data for frame in frames)) == headers


def test_a_small_header_block_is_one_frame():
    frames = parse_all(h2.header_frames(3, b'abc', 16384, end_stream=False))
    assert len(frames) == 1 and sorted(frames[0].flags) == ['END_HEADERS'] and frames[0].data == b'abc'


def test_data_frames_end_the_stream_on_the_last_frame_only():
    frames = parse_all(h2.data_frames(1, b'x' * 20000, 16384, end_stream=True))
    assert [type(frame) for frame in frames] == [DataFrame, DataFrame]
    assert [sorted(frame.flags) for frame in frames] == [[], ['END_STREAM']]
    assert b''.join(frame.data for frame in frames) == b'x' * 20000
    assert sorted(parse_all(h2.data_frames(1, b'', 16384, end_stream=True))[0].flags) == ['END_STREAM']


def test_control_frames_read_as_hyperframe_reads_them():
    settings, window, goaway, reset = parse_all(
        h2.settings_frame({h2.SETTINGS_ENABLE_PUSH: 0, h2.SETTINGS_INITIAL_WINDOW_SIZE: 1 << 23})
        + h2.window_update_frame(0, 12345) + h2.goaway_frame(0, h2.PROTOCOL_ERROR) + h2.rst_stream_frame(1, h2.CANCEL))
    assert isinstance(settings, SettingsFrame)
    assert settings.settings == {SettingsFrame.ENABLE_PUSH: 0, SettingsFrame.INITIAL_WINDOW_SIZE: 1 << 23}
    assert isinstance(window, WindowUpdateFrame) and window.window_increment == 12345
    assert isinstance(goaway, GoAwayFrame) and (goaway.last_stream_id, goaway.error_code) == (0, 1)
    assert isinstance(reset, RstStreamFrame) and (reset.stream_id, reset.error_code) == (1, 8)


def test_payloads_of_hyperframe_frames_are_read_back():
    settings = SettingsFrame(0, settings={SettingsFrame.MAX_FRAME_SIZE: 1 << 20}).serialize()
    assert list(h2.read_settings(memoryview(settings[9:]))) == [(h2.SETTINGS_MAX_FRAME_SIZE, 1 << 20)]
    goaway = GoAwayFrame(0, last_stream_id=7, error_code=2, additional_data=b'bye').serialize()
    assert h2.read_goaway(memoryview(goaway[9:])) == (7, 2)
    reset = RstStreamFrame(1, error_code=8).serialize()
    assert h2.read_u32(memoryview(reset[9:]), 'RST_STREAM') == 8


def test_padding_and_priority_are_stripped():
    padded = DataFrame(1, data=b'payload', pad_length=5, flags=['PADDED']).serialize()
    assert bytes(h2.unpadded(memoryview(padded[9:]), h2.PADDED)) == b'payload'
    headers = HeadersFrame(1, data=b'block', pad_length=3, flags=['PADDED', 'PRIORITY', 'END_HEADERS'],
                           depends_on=3, stream_weight=16).serialize()
    assert bytes(h2.header_fragment(memoryview(headers[9:]), h2.PADDED | h2.PRIORITY_FLAG)) == b'block'
    assert bytes(h2.unpadded(memoryview(b'plain'), 0)) == b'plain'


@pytest.mark.parametrize('payload', [b'', b'\x05abc', b'\x04abc'])
def test_padding_as_long_as_the_frame_is_refused(payload):
    with pytest.raises(h2.H2ProtocolError, match='padding'):
        h2.unpadded(memoryview(payload), h2.PADDED)


def test_padding_may_leave_no_data():
    assert bytes(h2.unpadded(memoryview(b'\x03abc'), h2.PADDED)) == b''


@pytest.mark.parametrize('read, payload', [
    (lambda payload: list(h2.read_settings(payload)), b'\x00\x01\x00'),
    (lambda payload: h2.read_u32(payload, 'WINDOW_UPDATE'), b'\x00\x00\x01'),
    (h2.read_goaway, b'\x00\x00\x00\x01'),
])
def test_frames_of_the_wrong_size_are_refused(read, payload):
    with pytest.raises(h2.H2ProtocolError) as failure:
        read(memoryview(payload))
    assert failure.value.http2_code == h2.FRAME_SIZE_ERROR
