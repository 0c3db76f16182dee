# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd snapshot reader (client.bulk_stream) against a scripted HTTP/2 server speaking crafted bytes over mTLS.

Each test's server reads the call, answers with the bytes the test wrote (frame by frame, as a peer could), and
records what the client sent, so the tests see the client's HTTP/2 as a server would.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import struct
from typing import Any, Callable

import pytest
from hpack import Decoder, Encoder

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils.client import bulk_stream
from ansible_collections.talos.linux.plugins.module_utils.client import h2_frames as h2
from ansible_collections.talos.linux.plugins.module_utils.client import pki as _pki
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

Answer = Callable[[Encoder], list]


@pytest.fixture(scope='module')
def tls(tmp_path_factory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp('bulk-pki')
    ca = _pki.generate_ca()
    server = _pki.issue_certificate(ca, common_name='apid', server=True, sans=['127.0.0.1'])
    admin = _pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    (base / 'server.crt').write_bytes(server.crt)
    (base / 'server.key').write_bytes(_pki.openssl_private_key(server.key))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(base / 'server.crt'), str(base / 'server.key'))
    context.set_alpn_protocols(['h2'])
    return {'server': context, 'ca': ca.crt, 'crt': admin.crt, 'key': admin.key}


class Peer:
    """A server that reads one call, writes ``answer``'s pieces, then records the client's frames until it closes."""

    def __init__(self, answer: Answer, close_after: bool = False) -> None:
        self.answer = answer
        self.close_after = close_after
        self.frames: list[tuple[int, int, int, bytes]] = []  # type, flags, stream, payload
        self.headers: dict[str, str] = {}
        self.address = ''
        self._server: Any = None

    async def start(self, context: ssl.SSLContext) -> 'Peer':
        self._server = await asyncio.start_server(self._serve, '127.0.0.1', 0, ssl=context)
        self.address = '127.0.0.1:%d' % self._server.sockets[0].getsockname()[1]
        return self

    def close(self) -> None:
        self._server.close()

    async def _frame(self, reader: asyncio.StreamReader) -> tuple[int, int, int, bytes]:
        high, low, frame_type, flags, stream_id = h2.HEADER.unpack(await reader.readexactly(h2.HEADER_SIZE))
        payload = await reader.readexactly(high << 16 | low)
        self.frames.append((frame_type, flags, stream_id, payload))
        return frame_type, flags, stream_id, payload

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(len(h2.PREFACE)) == h2.PREFACE
        block = b''
        while True:
            frame_type, flags, _stream, payload = await self._frame(reader)
            if frame_type in (h2.HEADERS, h2.CONTINUATION):
                block += payload
            if frame_type == h2.DATA and flags & h2.END_STREAM:
                break
        self.headers = dict(Decoder().decode(block))
        for piece in self.answer(Encoder()):
            writer.write(piece)
            await writer.drain()
        if not self.close_after:
            try:
                while True:
                    await self._frame(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                pass
        writer.close()

    def sent(self, frame_type: int) -> list[tuple[int, int, int, bytes]]:
        return [frame for frame in self.frames if frame[0] == frame_type]


def response(encoder: Encoder, status: str = '200', content_type: str = 'application/grpc',
             end_stream: bool = False, **trailers: str) -> bytes:
    headers = [(':status', status), ('content-type', content_type)] + list(trailers.items())
    return h2.frame(h2.HEADERS, h2.END_HEADERS | (h2.END_STREAM if end_stream else 0), 1,
                    encoder.encode([(name.replace('_', '-'), value) for name, value in headers]))


def trailers(encoder: Encoder, status: int = 0, message: str | None = None) -> bytes:
    headers = [('grpc-status', str(status))] + ([('grpc-message', message)] if message else [])
    return h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, encoder.encode(headers))


def message(data: bytes = b'', compressed: int = 0, **fields: Any) -> bytes:
    """A gRPC length-prefixed common.Data."""
    body = common_pb2.Data(bytes=data, **fields).SerializeToString()
    return struct.pack('>BL', compressed, len(body)) + body


def data(payload: bytes, flags: int = 0) -> bytes:
    return h2.frame(h2.DATA, flags, 1, payload)


def call(tls: dict[str, Any], *answers: Answer, close_after: bool = False, timeout: float | None = None,
         node: str | None = None) -> tuple[bytes, list[Peer]]:
    """The bytes client.etcd_snapshot reads from one Peer per answer (the endpoints, in order), and the peers."""
    async def run() -> tuple[bytes, list[Peer]]:
        peers = [await Peer(answer, close_after).start(tls['server']) for answer in answers]
        settings = ConnectionSettings(endpoints=[peer.address for peer in peers], ca=tls['ca'], crt=tls['crt'],
                                      key=tls['key'])
        try:
            async with TalosClient(settings) as client:
                chunks = [chunk async for chunk in client.etcd_snapshot(node, timeout=timeout)]
            await asyncio.sleep(0.05)  # the peers read the client's last frames
        finally:
            for peer in peers:
                peer.close()
        return b''.join(chunks), peers
    return asyncio.run(run())


def failure(tls: dict[str, Any], *answers: Answer, **kwargs: Any) -> TalosError:
    with pytest.raises(TalosError) as failed:
        call(tls, *answers, **kwargs)
    return failed.value


def test_messages_spanning_frames_sharing_frames_padded_and_continued_headers(tls):
    large = os.urandom(40000)
    stream = message(large)  # spans three DATA frames

    def answer(encoder):
        block = encoder.encode([(':status', '200'), ('content-type', 'application/grpc+proto')])
        return [h2.settings_frame({h2.SETTINGS_MAX_FRAME_SIZE: 1 << 20}),
                h2.frame(h2.PING, 0, 0, b'pingpong'),
                h2.frame(h2.HEADERS, 0, 1, block[:3]), h2.frame(h2.CONTINUATION, h2.END_HEADERS, 1, block[3:]),
                data(message(b'one') + message(b'two') + message(b'three')),
                data(b'\x04' + message(b'padded') + b'\0' * 4, h2.PADDED),
                data(stream[:10000]), data(stream[10000:26000]), data(stream[26000:]),
                data(message()),  # an empty Data
                h2.frame(h2.PRIORITY, 0, 1, b'\0' * 5), h2.frame(0xEE, 0, 0, b'unknown frame types are ignored'),
                trailers(encoder)]
    received, (peer,) = call(tls, answer)
    assert received == b'onetwothreepadded' + large
    assert (h2.PING, h2.ACK, 0, b'pingpong') in peer.frames
    assert (h2.SETTINGS, h2.ACK, 0, b'') in peer.frames


def test_the_request_is_what_grpclib_sends(tls):
    _received, (peer,) = call(tls, lambda encoder: [response(encoder), trailers(encoder)], node='10.5.0.2', timeout=42)
    headers = peer.headers
    assert (headers[':method'], headers[':scheme'], headers[':path']) == (
        'POST', 'https', '/machine.MachineService/EtcdSnapshot')
    assert headers[':authority'] == peer.address and headers['node'] == '10.5.0.2'
    assert headers['te'] == 'trailers' and headers['content-type'] == 'application/grpc'
    assert headers['user-agent'].startswith('grpc-python-grpclib/')
    assert headers['grpc-timeout'] in ('42S', '41S')
    settings = dict(h2.read_settings(memoryview(peer.sent(h2.SETTINGS)[0][3])))
    assert settings == {h2.SETTINGS_ENABLE_PUSH: 0, h2.SETTINGS_INITIAL_WINDOW_SIZE: bulk_stream.WINDOW}
    request = peer.sent(h2.DATA)
    assert request == [(h2.DATA, h2.END_STREAM, 1, b'\0\0\0\0\0')]  # an empty EtcdSnapshotRequest, ending the stream
    assert peer.sent(h2.WINDOW_UPDATE)[0] == (h2.WINDOW_UPDATE, 0, 0, struct.pack(
        '>L', bulk_stream.WINDOW - h2.DEFAULT_WINDOW_SIZE))


def test_window_updates_come_in_batches(tls):
    size = 3 * bulk_stream.ACK_AFTER + 5000
    content = os.urandom(size)

    def answer(encoder):
        frames = [data(message(content[start:start + 1024])) for start in range(0, size, 1024)]
        return [response(encoder), b''.join(frames), trailers(encoder)]
    received, (peer,) = call(tls, answer)
    assert received == content
    updates = [(stream, struct.unpack('>L', payload)[0]) for _type, _flags, stream, payload
               in peer.sent(h2.WINDOW_UPDATE)][1:]  # after the initial widening of the connection's window
    assert {stream for stream, _increment in updates} == {0, 1}
    assert 4 <= len(updates) <= 6, updates  # about one per ACK_AFTER bytes, on both windows; not one per frame
    assert all(increment >= bulk_stream.ACK_AFTER for _stream, increment in updates)


def test_every_split_of_the_bytes_reads_the_same():
    """The frames cut at every byte boundary, and one byte at a time, as reads can cut them."""
    encoder = Encoder()
    stream = b''.join([h2.settings_frame({}), response(encoder), data(message(b'a' * 300) + message(b'b' * 10)),
                       data(b'\x02' + message(b'c' * 20)[:9] + b'\0\0', h2.PADDED), data(message(b'c' * 20)[9:]),
                       trailers(encoder)])

    async def read(pieces: list) -> bytes:
        protocol = bulk_stream.DataStreamProtocol(bytes)
        protocol.connection_made(_Sink())
        protocol.start([], b'', 10)
        for piece in pieces:
            protocol.data_received(piece)
        return b''.join([chunk async for chunk in protocol.chunks()])
    expected = b'a' * 300 + b'b' * 10 + b'c' * 20
    for cut in range(len(stream)):
        assert asyncio.run(read([stream[:cut], stream[cut:]])) == expected, cut
    assert asyncio.run(read([stream[i:i + 1] for i in range(len(stream))])) == expected


class _Sink:
    def write(self, _data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_a_trailers_only_error_is_the_transports_error(tls):
    error = failure(tls, lambda encoder: [response(encoder, end_stream=True, grpc_status='7',
                                                   grpc_message='not%20authorized')])
    assert error.code == 'PERMISSION_DENIED'
    assert error.message.startswith('not authorized: EtcdSnapshot is not allowed for the client certificate roles')


def test_an_error_status_after_the_data_fails_the_call(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x' * 100)),
                                          trailers(encoder, 9, 'etcd is not running')])
    assert (error.code, error.message) == ('FAILED_PRECONDITION', 'etcd is not running')


def test_a_data_message_carrying_a_node_error_is_raised_as_the_transport_raises_it(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x')), data(message(
        metadata={'hostname': 'cp-1', 'error': 'etcd is down', 'status': {'code': 14}})), trailers(encoder)])
    assert (error.message, error.code, error.node) == ('etcd is down', 'UNAVAILABLE', 'cp-1')


def test_a_compressed_message_is_refused(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x', compressed=1)), trailers(encoder)])
    assert (error.code, error.message) == ('INTERNAL', 'grpc: compressed flag set with identity or empty encoding')


def test_a_reset_stream_is_grpclibs_stream_termination(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x')), h2.rst_stream_frame(1, 2)])
    assert (error.code, error.message) == ('UNAVAILABLE', 'connection lost: Stream reset by remote party, '
                                                          'error_code: 2')


def test_an_http_error_status_is_mapped(tls):
    error = failure(tls, lambda encoder: [response(encoder, status='503', end_stream=True)])
    assert (error.code, error.message) == ('UNAVAILABLE', "Received :status = '503'")


def test_a_connection_closed_early_is_named(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x'))], close_after=True)
    assert (error.code, error.message) == ('UNAVAILABLE', 'connection lost: Connection lost')


def test_the_deadline_is_enforced_locally(tls):
    error = failure(tls, lambda encoder: [response(encoder), data(message(b'x'))], timeout=0.3)
    assert (error.code, error.message) == ('DEADLINE_EXCEEDED', 'EtcdSnapshot: no answer within 0.3s')


def test_a_goaway_before_the_call_was_taken_moves_on_to_the_next_endpoint(tls):
    received, (first, _second) = call(tls, lambda encoder: [h2.goaway_frame(0, h2.NO_ERROR)],
                                      lambda encoder: [response(encoder), data(message(b'ok')), trailers(encoder)])
    assert received == b'ok' and first.headers


def test_a_graceful_goaway_lets_the_call_finish(tls):
    received, _peers = call(tls, lambda encoder: [response(encoder), data(message(b'one')),
                                                  h2.goaway_frame(1, h2.NO_ERROR), data(message(b'two')),
                                                  trailers(encoder)])
    assert received == b'onetwo'


def test_a_goaway_with_an_error_ends_the_call(tls):
    error = failure(tls, lambda encoder: [response(encoder), h2.goaway_frame(1, h2.PROTOCOL_ERROR)])
    assert (error.code, error.message) == (
        'UNAVAILABLE', 'connection lost: Received GOAWAY frame, closing connection; error_code: 1')


@pytest.mark.parametrize('answer, reason', [
    (lambda encoder: [data(message(b'x'))], 'before response headers'),
    (lambda encoder: [response(encoder), h2.frame(h2.CONTINUATION, h2.END_HEADERS, 1, b'')], 'CONTINUATION'),
    (lambda encoder: [h2.frame(h2.DATA, 0, 1, b'\0' * 20000)], 'a frame of 20000 bytes'),
])
def test_protocol_errors_end_the_call_and_say_why(tls, answer, reason):
    error = failure(tls, answer)
    assert error.code == 'UNAVAILABLE' and error.message.startswith('connection lost: Protocol error: ')
    assert reason in error.message


def test_an_unreachable_endpoint_moves_on_to_the_next():
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        dead = '127.0.0.1:%d' % closed.getsockname()[1]

    async def run():
        settings = ConnectionSettings(endpoints=[dead], insecure=True)
        async with TalosClient(settings) as client:
            return [chunk async for chunk in client.etcd_snapshot()]
    with pytest.raises(TalosError) as failed:
        asyncio.run(run())
    assert failed.value.code == 'UNAVAILABLE'
    assert failed.value.message == 'no endpoint reachable: endpoint %s: connection refused' % dead


@pytest.mark.parametrize('body, expected', [
    (common_pb2.Data(bytes=b'x' * 1024).SerializeToString(), b'x' * 1024),
    (common_pb2.Data(bytes=b'y' * 100).SerializeToString(), b'y' * 100),
    (common_pb2.Data(bytes=b'z' * 40000).SerializeToString(), b'z' * 40000),
    (common_pb2.Data(metadata={'hostname': 'n'}, bytes=b'x').SerializeToString(), None),
    (b'\x12\x05abc', None),  # shorter than it says
    (b'', None),
])
def test_plain_data_bytes_reads_only_the_common_shape(body, expected):
    piece = bulk_stream.plain_data_bytes(memoryview(body))
    assert (None if piece is None else bytes(piece)) == expected
