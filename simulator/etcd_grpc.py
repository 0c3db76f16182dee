# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd's own gRPC API for the snapshot, read as Talos's machined reads it.

machined's EtcdSnapshot (internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:Server.EtcdSnapshot
@ v1.13.9) opens a client to the local member (internal/pkg/etcd/etcd.go:NewLocalClient @ v1.13.9) for the one
call and streams clientv3's Maintenance.Snapshot: the server stream ``/etcdserverpb.Maintenance/Snapshot`` of
SnapshotResponse messages (etcd-io/etcd api/etcdserverpb/rpc.proto: header = 1, remaining_bytes = 2, blob = 3,
and version = 4 in releases that have it; all but blob are skipped). A member's client URL here is plain
HTTP, which etcd serves as gRPC over HTTP/2 with prior knowledge on the same port as its JSON gateway.

Messages cross grpclib as raw bytes (``_RawCodec``): the request is empty and only ``blob`` is read from each
reply, so decoding is a walk over the fields rather than a generated message class.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

from grpclib.const import Cardinality
from grpclib.encoding.base import CodecBase
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from simulator.etcd_gateway import EtcdError
from simulator.quiet_channel import QuietChannel

SNAPSHOT_METHOD = '/etcdserverpb.Maintenance/Snapshot'
_BLOB_FIELD = 3
_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5


class _RawCodec(CodecBase):
    """Messages are the protobuf wire bytes themselves, sent and returned untouched."""

    __content_subtype__ = 'proto'

    def encode(self, message: bytes, message_type: Any) -> bytes:
        return message

    def decode(self, data: bytes, message_type: Any) -> bytes:
        return data


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def snapshot_blob(message: bytes) -> bytes:
    """The ``blob`` of one encoded SnapshotResponse (empty when absent); the other fields are skipped."""
    pos, end = 0, len(message)
    blob = b''
    try:
        while pos < end:
            key, pos = _varint(message, pos)
            wire_type = key & 7
            if wire_type == _VARINT:
                pos = _varint(message, pos)[1]
            elif wire_type == _LENGTH_DELIMITED:
                length, pos = _varint(message, pos)
                if key >> 3 == _BLOB_FIELD:
                    blob = message[pos:pos + length]
                pos += length
            elif wire_type in (_FIXED64, _FIXED32):
                pos += 8 if wire_type == _FIXED64 else 4
            else:
                raise ValueError('wire type %d' % wire_type)
    except (IndexError, ValueError) as exc:
        raise EtcdError('etcd sent a malformed SnapshotResponse (%s)' % exc) from None
    if pos != end:
        raise EtcdError('etcd sent a truncated SnapshotResponse')
    return blob


async def snapshot(host: str, port: int) -> AsyncIterator[bytes]:
    """The member's snapshot (the bbolt database, then the sha256 etcd appends), blob by blob as etcd sends it."""
    channel = QuietChannel(host, port, codec=_RawCodec())
    try:
        async with channel.request(SNAPSHOT_METHOD, Cardinality.UNARY_STREAM, bytes, bytes) as stream:
            await stream.send_message(b'', end=True)
            message = await stream.recv_message()
            while message is not None:
                blob = snapshot_blob(message)
                if blob:
                    yield blob
                message = await stream.recv_message()
    except GRPCError as exc:
        raise EtcdError(exc.message or exc.status.name, exc.status.value) from None
    except (OSError, ProtocolError, StreamTerminatedError) as exc:
        raise EtcdError('etcd at %s:%d: %s' % (host, port, exc)) from None
    finally:
        channel.close()
