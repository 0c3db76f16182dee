# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's connections write what one turn of the event loop produced as one write, as grpc-go's loopy
writer flushes its buffer once its queue is empty; and a connection decodes its peer's certificate once."""

from __future__ import annotations

import asyncio
import struct
from asyncio import selector_events
from typing import Any

from google.protobuf import wrappers_pb2
from grpclib.client import Channel
from grpclib.const import Cardinality, Handler

from simulator.batched_writes import BatchedWrites
from simulator.transport import SimServer, _PeerCertOnce  # pylint: disable=protected-access

_FRAME_HEADER = struct.Struct('>IBI')  # length (24 bits) and type, flags, stream id (RFC 9113 4.1)
_HEADERS, _DATA = 1, 0
METHOD = '/test.Echo/Call'


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {'peername': ('127.0.0.1', 1)}.get(name, default)


async def _next_turn() -> None:
    await asyncio.sleep(0)


def test_writes_of_one_turn_reach_the_transport_as_one_write_in_order_at_the_next_turn():
    async def scenario() -> list[list[bytes]]:
        transport = RecordingTransport()
        batched = BatchedWrites(transport)
        batched.write(b'headers')
        batched.write(b'')
        batched.writelines([b'data', b'trailers'])
        seen = [list(transport.writes)]
        assert batched.get_write_buffer_size() == 7 + len(b'headersdatatrailers')
        await _next_turn()
        seen.append(list(transport.writes))
        batched.write(b'later')
        await _next_turn()
        seen.append(list(transport.writes))
        return seen
    assert asyncio.run(scenario()) == [[], [b'headersdatatrailers'], [b'headersdatatrailers', b'later']]


def test_close_sends_what_is_kept_first_and_abort_drops_it():
    async def scenario() -> tuple[RecordingTransport, RecordingTransport]:
        closed, aborted = RecordingTransport(), RecordingTransport()
        first, second = BatchedWrites(closed), BatchedWrites(aborted)
        first.write(b'goaway')
        first.close()
        second.write(b'lost')
        second.abort()
        await _next_turn()
        return closed, aborted
    closed, aborted = asyncio.run(scenario())
    assert closed.writes == [b'goaway'] and closed.closing
    assert aborted.writes == [] and aborted.aborted


def test_nothing_is_written_to_a_transport_closed_meanwhile_and_the_rest_is_the_transports():
    async def scenario() -> RecordingTransport:
        transport = RecordingTransport()
        batched = BatchedWrites(transport)
        batched.write(b'too late')
        transport.closing = True
        assert batched.is_closing()
        assert batched.get_extra_info('peername') == ('127.0.0.1', 1)
        await _next_turn()
        return transport
    assert asyncio.run(scenario()).writes == []


class _Echo:
    def __mapping__(self) -> dict[str, Handler]:
        return {METHOD: Handler(self.call, Cardinality.UNARY_UNARY, wrappers_pb2.StringValue,
                                wrappers_pb2.StringValue)}

    async def call(self, stream: Any) -> None:
        request = await stream.recv_message()
        await stream.send_message(wrappers_pb2.StringValue(value=request.value.upper()))


def _frames(data: bytes) -> list[tuple[int, int]]:
    """(type, stream id) of each whole HTTP/2 frame in ``data``."""
    out, pos = [], 0
    while len(data) - pos >= _FRAME_HEADER.size:
        length_and_type, _flags, stream_id = _FRAME_HEADER.unpack_from(data, pos)
        out.append((length_and_type & 0xFF, stream_id & 0x7FFFFFFF))
        pos += _FRAME_HEADER.size + (length_and_type >> 8)
    return out


def test_a_unary_answer_leaves_the_server_in_one_socket_write(monkeypatch):
    """Headers, message and trailers of an answer went out in three writes (three TLS records on a TLS
    connection) before; with grpc-go's batching they leave together."""
    writes: list[tuple[int, bytes]] = []
    stock = selector_events._SelectorSocketTransport.write  # pylint: disable=protected-access

    def recording(self: Any, data: bytes) -> None:
        writes.append((self.get_extra_info('sockname')[1], bytes(data)))
        stock(self, data)
    monkeypatch.setattr(selector_events._SelectorSocketTransport, 'write', recording)  # pylint: disable=W0212

    async def scenario() -> tuple[str, list[bytes], list]:
        server = SimServer([_Echo()])
        await server.start('127.0.0.1', 0)
        port = server._server.sockets[0].getsockname()[1]  # pylint: disable=protected-access
        channel = Channel('127.0.0.1', port)
        try:
            async with channel.request(METHOD, Cardinality.UNARY_UNARY, wrappers_pb2.StringValue,
                                       wrappers_pb2.StringValue) as stream:  # connection set up, settings exchanged
                await stream.send_message(wrappers_pb2.StringValue(value='warm'), end=True)
                await stream.recv_message()
            await asyncio.sleep(0.05)
            writes.clear()
            async with channel.request(METHOD, Cardinality.UNARY_UNARY, wrappers_pb2.StringValue,
                                       wrappers_pb2.StringValue) as stream:
                await stream.send_message(wrappers_pb2.StringValue(value='talos'), end=True)
                reply = await stream.recv_message()
            problems = [protocol.quiet_problem for protocol in server.connections]
            return reply.value, [data for sent_from, data in writes if sent_from == port], problems
        finally:
            channel.close()
            await server.drop()
    value, server_writes, problems = asyncio.run(scenario())
    assert value == 'TALOS'
    answer = [write for write in server_writes if (_DATA, 3) in _frames(write)]
    assert len(answer) == 1, server_writes
    assert [frame for frame in _frames(answer[0]) if frame[1] == 3] == [(_HEADERS, 3), (_DATA, 3), (_HEADERS, 3)]
    assert problems == [None]  # the server's connection hands h2 frames with a cheap repr too


class _SSLObject:
    def __init__(self) -> None:
        self.decoded = 0

    def getpeercert(self, binary_form: bool = False) -> Any:
        if binary_form:
            return b'der'
        self.decoded += 1
        return {'subject': ((('organizationName', 'os:admin'),),)}

    def selected_alpn_protocol(self) -> str:
        return 'h2'


def test_a_connection_decodes_its_peers_certificate_once():
    ssl_object = _SSLObject()
    once = _PeerCertOnce(ssl_object)
    assert once.getpeercert() == once.getpeercert() == {'subject': ((('organizationName', 'os:admin'),),)}
    assert ssl_object.decoded == 1
    assert once.getpeercert(binary_form=True) == b'der'
    assert once.selected_alpn_protocol() == 'h2'
