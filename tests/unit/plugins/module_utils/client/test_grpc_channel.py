# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The graceful-GOAWAY workaround of client.grpc_channel, frame by frame, on a connection with no socket.

It replaces private parts of h2 and grpclib; these tests fail when a library release moves them, and
show what the workaround does with grpc-go's GracefulStop frames (issue 14).
"""

from __future__ import annotations

import asyncio

import pytest
from grpclib.utils import Wrapper
from hpack import Encoder
from hyperframe.frame import DataFrame, GoAwayFrame, HeadersFrame, PingFrame, SettingsFrame

from ansible_collections.talos.linux.plugins.module_utils.client.grpc_channel import (RecordingChannel,
                                                                                      graceful_goaway_problem)

MAX_STREAM_ID = 2 ** 31 - 1
GOAWAY_PING = bytes([1, 6, 1, 8, 0, 3, 3, 9])


class FakeTransport:
    def __init__(self) -> None:
        self.written = b''
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, _name: str, default=None):
        return default


class Peer:
    """The server side, as raw frames."""

    def __init__(self) -> None:
        self.encoder = Encoder()

    def headers(self, stream_id: int, fields: list, end: bool = False) -> bytes:
        frame = HeadersFrame(stream_id, self.encoder.encode(fields))
        frame.flags.add('END_HEADERS')
        if end:
            frame.flags.add('END_STREAM')
        return frame.serialize()

    def answer(self, stream_id: int) -> bytes:
        """A whole unary answer: headers, one message, OK trailers."""
        return (self.headers(stream_id, [(':status', '200'), ('content-type', 'application/grpc')])
                + DataFrame(stream_id, b'\0\0\0\0\0').serialize()
                + self.headers(stream_id, [('grpc-status', '0')], end=True))


def goaway(last_stream_id: int, error_code: int = 0) -> bytes:
    return GoAwayFrame(0, last_stream_id=last_stream_id, error_code=error_code,
                       additional_data=b'graceful_stop').serialize()


def ping() -> bytes:
    return PingFrame(0, opaque_data=GOAWAY_PING).serialize()


async def _connection():
    """A channel's connection on a fake transport, with calls on streams 1 and 3."""
    channel = RecordingChannel('127.0.0.1', 1)
    protocol = channel._protocol_factory()  # pylint: disable=protected-access
    transport = FakeTransport()
    protocol.connection_made(transport)
    channel._protocol = protocol  # pylint: disable=protected-access
    protocol.data_received(SettingsFrame(0).serialize())
    streams = []
    for _call in range(2):
        stream = protocol.processor.connection.create_stream(wrapper=Wrapper())
        await stream.send_request([(':method', 'POST'), (':scheme', 'https'), (':path', '/machine.MachineService/Version'),
                                   (':authority', 'node'), ('content-type', 'application/grpc'), ('te', 'trailers')],
                                  end_stream=True, _processor=protocol.processor)
        streams.append(stream)
    assert [s.id for s in streams] == [1, 3]
    return channel, protocol, transport, streams


def test_the_libraries_still_have_what_the_workaround_replaces():
    assert graceful_goaway_problem() is None

    async def run():
        _channel, protocol, _transport, _streams = await _connection()
        return protocol.graceful_problem
    assert asyncio.run(run()) is None


def test_grpc_go_graceful_stop_lets_calls_in_flight_finish():
    async def run():
        channel, protocol, transport, (first, second) = await _connection()
        peer = Peer()
        assert channel._connected  # pylint: disable=protected-access
        # GracefulStop: GOAWAY(2^31-1), PING, and the answer of stream 1, all in one read.
        transport.written = b''
        protocol.data_received(goaway(MAX_STREAM_ID) + ping() + peer.answer(1))
        assert protocol.draining and channel.goaways == 1 and channel.draining
        assert not channel._connected, 'the next call opens a new connection'  # pylint: disable=protected-access
        assert PingFrame(0, flags=['ACK'], opaque_data=GOAWAY_PING).serialize() in transport.written
        assert dict(first.trailers) == {'grpc-status': '0'}, 'the answer after the GOAWAY and PING was read'
        assert not first.wrapper.cancelled and not second.wrapper.cancelled
        # After the PING ack: GOAWAY with the last stream the node took; stream 3 is still answered.
        protocol.data_received(goaway(3) + peer.answer(3))
        assert dict(second.trailers) == {'grpc-status': '0'}
        assert not second.wrapper.cancelled and not transport.closed and channel.goaways == 1
        # The node closes the connection: the channel forgets it, and records no failure.
        protocol.connection_lost(None)
        return channel
    channel = asyncio.run(run())
    assert channel.lost is None


def test_a_call_the_node_did_not_take_fails_at_once():
    async def run():
        _channel, protocol, _transport, (first, second) = await _connection()
        protocol.data_received(goaway(MAX_STREAM_ID) + ping() + goaway(1))
        assert not first.wrapper.cancelled
        assert second.wrapper.cancelled  # never answered: the node ignores streams above the last one
        with pytest.raises(Exception, match=r'went away without taking the call \(GOAWAY, last stream 1\)'):
            with second.wrapper:
                pass
    asyncio.run(run())


@pytest.mark.parametrize('error_code', [2, 11])  # INTERNAL_ERROR, ENHANCE_YOUR_CALM (too_many_pings)
def test_a_goaway_with_an_error_still_ends_every_call(error_code):
    async def run():
        _channel, protocol, transport, (first, second) = await _connection()
        protocol.data_received(goaway(MAX_STREAM_ID, error_code))
        assert first.wrapper.cancelled and second.wrapper.cancelled and transport.closed
        assert not protocol.draining
    asyncio.run(run())


def test_a_moved_goaway_handler_is_reported_not_patched_over():
    async def run():
        _channel, protocol, _transport, _streams = await _connection()
        frames = protocol.connection._connection._frame_dispatch_table  # pylint: disable=protected-access
        frames[GoAwayFrame] = lambda frame: ([], [])  # as if h2 handled GOAWAY elsewhere now
        return graceful_goaway_problem(protocol)
    assert 'does not route GOAWAY frames' in asyncio.run(run())
