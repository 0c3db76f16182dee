# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's reading of etcd's SnapshotResponse, checked against protobuf's own encoding of that message."""

from __future__ import annotations

import asyncio
import socket

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hyperframe.frame import DataFrame

from simulator import etcd_grpc
from simulator.etcd_gateway import EtcdError
from simulator.quiet_channel import QuietChannel

_T = descriptor_pb2.FieldDescriptorProto


def _snapshot_response_class():
    """etcd's SnapshotResponse (api/etcdserverpb/rpc.proto @ v3.4), header reduced to two of its fields."""
    file = descriptor_pb2.FileDescriptorProto(name='test/snapshot.proto', package='etcdserverpb', syntax='proto3')
    header = file.message_type.add(name='ResponseHeader')
    header.field.add(name='cluster_id', number=1, type=_T.TYPE_UINT64, label=_T.LABEL_OPTIONAL)
    header.field.add(name='revision', number=3, type=_T.TYPE_INT64, label=_T.LABEL_OPTIONAL)
    reply = file.message_type.add(name='SnapshotResponse')
    reply.field.add(name='header', number=1, type=_T.TYPE_MESSAGE, type_name='.etcdserverpb.ResponseHeader',
                    label=_T.LABEL_OPTIONAL)
    reply.field.add(name='remaining_bytes', number=2, type=_T.TYPE_UINT64, label=_T.LABEL_OPTIONAL)
    reply.field.add(name='blob', number=3, type=_T.TYPE_BYTES, label=_T.LABEL_OPTIONAL)
    reply.field.add(name='version', number=4, type=_T.TYPE_STRING, label=_T.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName('etcdserverpb.SnapshotResponse'))


SnapshotResponse = _snapshot_response_class()


def test_blob_is_read_past_the_header_and_the_large_remaining_bytes():
    blob = bytes(range(256)) * 130  # longer than 127 bytes: a multi-byte length
    message = SnapshotResponse(remaining_bytes=2 ** 40, blob=blob, version='3.4.23')
    message.header.cluster_id = 2 ** 63 + 5
    message.header.revision = 211
    assert etcd_grpc.snapshot_blob(message.SerializeToString()) == blob


def test_a_message_without_blob_gives_nothing():
    assert etcd_grpc.snapshot_blob(SnapshotResponse(remaining_bytes=0).SerializeToString()) == b''


@pytest.mark.parametrize('cut', [1, 3, 10])
def test_a_truncated_message_is_an_etcd_error(cut):
    encoded = SnapshotResponse(remaining_bytes=300, blob=b'x' * 200).SerializeToString()
    with pytest.raises(EtcdError, match='SnapshotResponse'):
        etcd_grpc.snapshot_blob(encoded[:-cut])


def test_an_unreachable_member_is_an_etcd_error_without_a_grpc_code():
    with socket.socket() as listener:  # a port nothing listens on once closed
        listener.bind(('127.0.0.1', 0))
        port = listener.getsockname()[1]

    async def read():
        return [chunk async for chunk in etcd_grpc.snapshot('127.0.0.1', port)]
    with pytest.raises(EtcdError) as failure:
        asyncio.run(read())
    assert failure.value.code is None and '127.0.0.1:%d' % port in failure.value.message


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, _name: str, default=None):
        return default


def test_the_etcd_channel_gets_data_frames_with_a_short_repr():
    async def first_frame():
        protocol = QuietChannel('127.0.0.1', 1)._protocol_factory()  # pylint: disable=protected-access
        protocol.connection_made(_Transport())
        assert protocol.problem is None
        h2_connection = protocol.connection._connection  # pylint: disable=protected-access
        h2_connection.incoming_buffer.max_frame_size = h2_connection.max_inbound_frame_size  # as receive_data does
        h2_connection.incoming_buffer.add_data(DataFrame(1, b'\x01' * 5000).serialize())
        return next(h2_connection.incoming_buffer)
    assert repr(asyncio.run(first_frame())) == 'DataFrame(stream_id=1): <5000 bytes>'
