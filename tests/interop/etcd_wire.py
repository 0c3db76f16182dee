# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few etcd v3 messages the interop tests send through our transport, described in code.

The collection has no generated etcd code (Talos proxies etcd for it), so the tests declare the
fields they use of etcd's ``etcdserverpb`` (api/etcdserverpb/rpc.proto, field numbers as etcd 3.4
defines them); unknown fields of real replies are kept by protobuf and ignored.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from ansible_collections.talos.linux.plugins.module_utils._rpc_method import RpcMethod

_T = descriptor_pb2.FieldDescriptorProto
MESSAGES = {
    'ResponseHeader': [('cluster_id', 1, _T.TYPE_UINT64), ('member_id', 2, _T.TYPE_UINT64),
                       ('revision', 3, _T.TYPE_INT64), ('raft_term', 4, _T.TYPE_UINT64)],
    'StatusRequest': [],
    'StatusResponse': [('header', 1, 'ResponseHeader'), ('version', 2, _T.TYPE_STRING),
                       ('dbSize', 3, _T.TYPE_INT64), ('leader', 4, _T.TYPE_UINT64)],
    'Member': [('ID', 1, _T.TYPE_UINT64), ('name', 2, _T.TYPE_STRING), ('peerURLs', 3, _T.TYPE_STRING, True),
               ('clientURLs', 4, _T.TYPE_STRING, True)],
    'MemberListRequest': [],
    'MemberListResponse': [('header', 1, 'ResponseHeader'), ('members', 2, 'Member', True)],
    'SnapshotRequest': [],
    'SnapshotResponse': [('header', 1, 'ResponseHeader'), ('remaining_bytes', 2, _T.TYPE_UINT64),
                         ('blob', 3, _T.TYPE_BYTES)],
    'PutRequest': [('key', 1, _T.TYPE_BYTES), ('value', 2, _T.TYPE_BYTES)],
    'PutResponse': [('header', 1, 'ResponseHeader')],
}


def _build() -> dict:
    file = descriptor_pb2.FileDescriptorProto(name='interop/etcdserverpb_subset.proto', package='etcdserverpb',
                                              syntax='proto3')
    for name, fields in MESSAGES.items():
        message = file.message_type.add(name=name)
        for spec in fields:
            field_name, number, kind = spec[:3]
            repeated = len(spec) > 3
            field = message.field.add(name=field_name, number=number,
                                      label=_T.LABEL_REPEATED if repeated else _T.LABEL_OPTIONAL)
            if isinstance(kind, str):
                field.type, field.type_name = _T.TYPE_MESSAGE, '.etcdserverpb.' + kind
            else:
                field.type = kind
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName('etcdserverpb.' + name))
            for name in MESSAGES}


M = _build()
Status = RpcMethod('/etcdserverpb.Maintenance/Status', 'UNARY_UNARY', M['StatusRequest'], M['StatusResponse'])
MemberList = RpcMethod('/etcdserverpb.Cluster/MemberList', 'UNARY_UNARY', M['MemberListRequest'],
                       M['MemberListResponse'])
Snapshot = RpcMethod('/etcdserverpb.Maintenance/Snapshot', 'UNARY_STREAM', M['SnapshotRequest'],
                     M['SnapshotResponse'])
Put = RpcMethod('/etcdserverpb.KV/Put', 'UNARY_UNARY', M['PutRequest'], M['PutResponse'])
