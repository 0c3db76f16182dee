# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EtcdSnapshot on the wire, read with a raw h2 client over mTLS: one DATA frame per message of at most 1 KiB,
etcd's whole snapshot, then grpc-status 0; served locally and through apid's proxy (``node`` metadata)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
import urllib.request

import pytest
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import DataReceived, ResponseReceived, StreamEnded, TrailersReceived
from h2.settings import SettingCodes, Settings

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import PORT, _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_etcd_sim import etcd_bootstrapped

PREFIX = 5  # gRPC's length prefix
VALUES = 6  # 100 KB values: a snapshot well past the client's windows
WINDOW = 1 << 20  # the client's stream and connection windows, large as grpclib's and grpc-go's (BDP) grow them


@pytest.fixture(scope='module')
def etcd_fleet(tmp_path_factory):
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1'):
        cp = fleet.address('talos-cp-1')
        etcd_bootstrapped(cp, fleet.tls())
        for index in range(VALUES):
            body = json.dumps({'key': base64.b64encode(b'frames/%d' % index).decode(),
                               'value': base64.b64encode(bytes([index]) * 100000).decode()}).encode()
            with urllib.request.urlopen(urllib.request.Request('http://%s:2379/v3/kv/put' % cp, body), timeout=30):
                pass
        yield fleet


class _Reply:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.frames: list[bytes] = []
        self.trailers: dict[str, str] = {}


async def _raw_snapshot(address: str, ssl_ctx, metadata: list[tuple[str, str]]) -> _Reply:
    reader, writer = await asyncio.open_connection(address, PORT, ssl=ssl_ctx, server_hostname=address)
    h2 = H2Connection(H2Configuration(client_side=True, header_encoding='utf-8'))
    h2.local_settings = Settings(client=True, initial_values={SettingCodes.INITIAL_WINDOW_SIZE: WINDOW})
    reply, ended = _Reply(), False
    try:
        h2.initiate_connection()
        h2.increment_flow_control_window(WINDOW - 65535)  # the connection's, 64 KiB until a WINDOW_UPDATE
        h2.send_headers(1, [(':method', 'POST'), (':scheme', 'https'), (':path', MachineService.EtcdSnapshot.path),
                            (':authority', '%s:%d' % (address, PORT)), ('content-type', 'application/grpc'),
                            ('te', 'trailers'), *metadata])
        request = machine_pb2.EtcdSnapshotRequest().SerializeToString()
        h2.send_data(1, struct.pack('>?I', False, len(request)) + request, end_stream=True)
        writer.write(h2.data_to_send())
        while not ended:
            data = await asyncio.wait_for(reader.read(65536), 30)
            assert data, 'connection closed before the stream ended'
            for event in h2.receive_data(data):
                if isinstance(event, ResponseReceived):
                    reply.headers = dict(event.headers)
                elif isinstance(event, DataReceived):
                    reply.frames.append(event.data)
                    h2.acknowledge_received_data(event.flow_controlled_length, 1)
                elif isinstance(event, TrailersReceived):
                    reply.trailers = dict(event.headers)
                elif isinstance(event, StreamEnded):
                    ended = True
            writer.write(h2.data_to_send())
    finally:
        writer.close()
    return reply


@pytest.mark.parametrize('through_proxy', [False, True], ids=['local', 'node-metadata'])
def test_snapshot_is_one_data_frame_per_talos_sized_message(etcd_fleet, through_proxy):
    cp = etcd_fleet.address('talos-cp-1')
    metadata = [('node', cp)] if through_proxy else []
    reply = asyncio.run(_raw_snapshot(cp, etcd_fleet.tls(), metadata))
    assert reply.headers[':status'] == '200' and reply.headers['content-type'] == 'application/grpc'
    chunks = []
    for frame in reply.frames:
        compressed, length = struct.unpack('>?I', frame[:PREFIX])
        assert not compressed and len(frame) == PREFIX + length  # the frame is one whole message
        chunks.append(common_pb2.Data.FromString(frame[PREFIX:]).bytes)
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) == 1024 and len(sizes) > VALUES * 100
    snapshot = b''.join(chunks)
    assert hashlib.sha256(snapshot[:-32]).digest() == snapshot[-32:]  # etcd's snapshot: bolt db + its sha256
    assert reply.trailers == {'grpc-status': '0'}


def test_grpclib_reads_the_same_snapshot(etcd_fleet):
    cp = etcd_fleet.address('talos-cp-1')
    messages = rpc(cp, etcd_fleet.tls(), MachineService.EtcdSnapshot, machine_pb2.EtcdSnapshotRequest())
    snapshot = b''.join(message.bytes for message in messages)
    assert hashlib.sha256(snapshot[:-32]).digest() == snapshot[-32:]
