# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService etcd RPCs and Bootstrap, acting on the machine's real etcd member (simulator.etcd).

Errors follow machined: etcd APIs on a machine that is not a control plane are UNIMPLEMENTED
"<api> is only available on control plane nodes"; a second Bootstrap is ALREADY_EXISTS; etcd
client failures are plain errors (UNKNOWN) carrying etcd's message. Bootstrap's preconditions (CRI
up, time in sync, 1.14's etcd CA) and EtcdRecover's (/var mounted) are FailedPrecondition /
InvalidArgument with machined's text.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from typing import Any, AsyncIterator

import yaml
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator import etcd_grpc
from simulator import etcd_lifecycle  # noqa: F401  # pylint: disable=unused-import  # registers the hooks
from simulator.api import MachineService, common_pb2, machine_pb2
from simulator.calls import Call, client_stream, server_stream, unary
from simulator.etcd import CLIENT_PORT, EtcdMember
from simulator.etcd_gateway import EtcdError, Gateway
from simulator.lifecycle import lifecycle_of
from simulator.readiness import time_synced
from simulator.services import services_of
from simulator.stream_frames import GRPC_PREFIX, FrameWriter, writer_problem

log = logging.getLogger(__name__)

_NOT_FOUND = 5  # gRPC code etcd gives for an unknown member
_ALARM_TYPES = {'NONE': 0, 'NOSPACE': 1, 'CORRUPT': 2}
CRI_WAIT = 1.0  # IsBootstrapAllowed waits this long for CRI
TIME_SYNC_WAIT = 5.0  # Bootstrap waits this long for time sync
PRECONDITION_POLL = 0.1
_REBOOTING_SEQUENCES = ('reboot', 'shutdown', 'reset', 'upgrade', 'stageUpgrade')


def _member(call: Call, api_name: str) -> EtcdMember:
    """machined's control-plane check, then the machine's etcd member."""
    machine = call.machine
    if not machine.configured:
        raise GRPCError(Status.UNIMPLEMENTED, 'machine type is not set, cannot use %s API' % api_name)
    if machine.machine_type != 'controlplane' or machine.etcd is None:
        raise GRPCError(Status.UNIMPLEMENTED, '%s is only available on control plane nodes' % api_name)
    return machine.etcd


def _local(member: EtcdMember, what: str) -> Gateway:
    if not member.process_running:
        raise GRPCError(Status.UNKNOWN, '%s: dial tcp 127.0.0.1:2379: connect: connection refused' % what)
    return member.gateway


async def _cluster_call(member: EtcdMember, what: str, func: Any) -> Any:
    """Run ``func(gateway)`` against the first control plane whose etcd answers (Talos's client from CP IPs)."""
    last = 'no etcd member is running'
    for peer in member.running_peers():
        try:
            return await func(peer.gateway)
        except EtcdError as exc:
            if exc.code is not None:  # etcd answered: its error is the answer
                raise
            last = exc.message
    raise GRPCError(Status.UNKNOWN, '%s: %s' % (what, last))


def _etcd_error(what: str, exc: EtcdError) -> GRPCError:
    return GRPCError(Status.UNKNOWN, '%s: %s' % (what, exc.message) if what else exc.message)


@unary(MachineService.EtcdMemberList)
async def member_list(call: Call) -> Any:
    member = _member(call, 'member list')
    try:
        if call.request.query_local:
            members = await _local(member, 'error getting etcd member list').members()
        else:
            members = await _cluster_call(member, 'error getting etcd member list', lambda gw: gw.members())
    except EtcdError as exc:
        raise _etcd_error('', exc) from None
    reply = machine_pb2.EtcdMembers(legacy_members=[m['name'] for m in members])
    for entry in members:
        reply.members.add(id=entry['id'], hostname=entry['name'], peer_urls=entry['peer_urls'],
                          client_urls=entry['client_urls'], is_learner=entry['is_learner'])
    return machine_pb2.EtcdMemberListResponse(messages=[reply])


@unary(MachineService.EtcdStatus)
async def status(call: Call) -> Any:
    member = _member(call, 'etcd status')
    try:
        info = await _local(member, 'failed to query etcd status').status()
    except EtcdError as exc:
        raise _etcd_error('failed to query etcd status', exc) from None
    major_minor = '.'.join(info['version'].split('.')[:2])
    member_status = machine_pb2.EtcdMemberStatus(
        member_id=info['member_id'], protocol_version=info['version'], db_size=info['db_size'],
        db_size_in_use=info['db_size_in_use'], leader=info['leader'], raft_index=info['raft_index'],
        raft_term=info['raft_term'], raft_applied_index=info['raft_applied_index'], errors=info['errors'],
        is_learner=info['is_learner'], storage_version='%s.0' % major_minor if major_minor else 'unknown')
    return machine_pb2.EtcdStatusResponse(messages=[machine_pb2.EtcdStatus(member_status=member_status)])


TALOS_SNAPSHOT_CHUNK = 1024  # bytes per EtcdSnapshot message (see snapshot below)
# common.Data's field 2 (bytes), wire type 2 (length-delimited), then the length 1024 as a varint
_FULL_CHUNK_PREFIX = GRPC_PREFIX.pack(False, 3 + TALOS_SNAPSHOT_CHUNK) + bytes((0x12, 0x80, 0x08))


def data_payloads(blob: bytes) -> list[bytes]:
    """``blob`` as gRPC-framed ``common.Data`` messages of TALOS_SNAPSHOT_CHUNK bytes (the last may be shorter).

    Encoded here rather than through the generated class: the bytes are the same (test_etcd_snapshot_encoding
    compares them), and a snapshot is a quarter of a million messages."""
    size = len(blob)
    whole = size - size % TALOS_SNAPSHOT_CHUNK
    payloads = [_FULL_CHUNK_PREFIX + blob[start:start + TALOS_SNAPSHOT_CHUNK]
                for start in range(0, whole, TALOS_SNAPSHOT_CHUNK)]
    if whole < size:
        message = common_pb2.Data(bytes=blob[whole:]).SerializeToString()
        payloads.append(GRPC_PREFIX.pack(False, len(message)) + message)
    return payloads


@server_stream(MachineService.EtcdSnapshot)
async def snapshot(call: Call) -> AsyncIterator[Any]:
    """Server.EtcdSnapshot @ v1.13.9: etcd's own Maintenance.Snapshot from the local member (simulator.etcd_grpc).

    Talos re-cuts the stream into messages of at most 1 KiB (pkg/chunker/stream/stream.go:NewChunker's default
    size @ v1.13.9, read from the snapshot's pipe), so a client pays its per-message cost 1,024 times per MiB:
    talos-sim sends the same messages, not etcd's 32 KiB blobs, each in a DATA frame of its own as grpc-go does,
    but written a blob at a time (simulator.stream_frames) so that the sim's CPU is not what a benchmark measures.
    """
    member = _member(call, 'etcd snapshot')
    _local(member, 'failed reading etcd snapshot')
    problem = writer_problem(call.stream)
    if problem is not None:
        log.warning('etcd snapshot sent message by message through grpclib (slower): %s', problem)
    writer = FrameWriter(call.stream) if problem is None else None
    try:
        async for blob in etcd_grpc.snapshot(member.machine.address, CLIENT_PORT):
            if writer is None:
                for start in range(0, len(blob), TALOS_SNAPSHOT_CHUNK):
                    yield common_pb2.Data(bytes=blob[start:start + TALOS_SNAPSHOT_CHUNK])
            else:  # the same messages and frames, one batch per etcd blob (simulator.stream_frames)
                await writer.send_prefixed(data_payloads(blob))
    except EtcdError as exc:
        raise _etcd_error('failed reading etcd snapshot', exc) from None


@client_stream(MachineService.EtcdRecover)
async def recover(call: Call) -> Any:
    """Server.EtcdRecover @ v1.13.9: the snapshot's directory (/var/lib) must exist first — /var is mounted."""
    if call.machine.configured and not services_of(call.machine).var_ready:
        raise GRPCError(Status.FAILED_PRECONDITION, 'etcd service is not ready for recovery yet')
    member = _member(call, 'etcd recover')
    fd, tmp = tempfile.mkstemp(dir=member.dir, prefix='.recovery.')
    try:
        with os.fdopen(fd, 'wb') as f:
            async for message in call.stream:
                f.write(message.bytes)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, member.recovery_snapshot)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return machine_pb2.EtcdRecoverResponse(messages=[machine_pb2.EtcdRecover()])


@unary(MachineService.EtcdDefragment)
async def defragment(call: Call) -> Any:
    member = _member(call, 'etcd defragment')
    try:
        await _local(member, 'failed to defragment etcd').defragment()
    except EtcdError as exc:
        raise _etcd_error('failed to defragment etcd', exc) from None
    return machine_pb2.EtcdDefragmentResponse(messages=[machine_pb2.EtcdDefragment()])


def _alarm_messages(alarms: list[dict[str, Any]]) -> list[Any]:
    return [machine_pb2.EtcdMemberAlarm(member_id=alarm['member_id'], alarm=_ALARM_TYPES.get(alarm['alarm'], 0))
            for alarm in alarms]


@unary(MachineService.EtcdAlarmList)
async def alarm_list(call: Call) -> Any:
    member = _member(call, 'etcd alarm list')
    try:
        alarms = await _local(member, 'failed to list etcd alarms').alarms()
    except EtcdError as exc:
        raise _etcd_error('failed to list etcd alarms', exc) from None
    return machine_pb2.EtcdAlarmListResponse(messages=[machine_pb2.EtcdAlarm(member_alarms=_alarm_messages(alarms))])


@unary(MachineService.EtcdAlarmDisarm)
async def alarm_disarm(call: Call) -> Any:
    member = _member(call, 'etcd alarm disarm')
    gateway = _local(member, 'failed to disarm etcd alarm')
    try:
        alarms = await gateway.alarms()
        for alarm in alarms:  # clientv3 disarms every active alarm when given an empty one
            await gateway.alarms('DEACTIVATE', alarm['member_id'], alarm['alarm'])
    except EtcdError as exc:
        raise _etcd_error('failed to disarm etcd alarm', exc) from None
    return machine_pb2.EtcdAlarmDisarmResponse(
        messages=[machine_pb2.EtcdAlarmDisarm(member_alarms=_alarm_messages(alarms))])


@unary(MachineService.EtcdRemoveMemberByID)
async def remove_member(call: Call) -> Any:
    member = _member(call, 'etcd remove member')
    member_id = call.request.member_id
    try:
        await _cluster_call(member, 'failed to create etcd client', lambda gw: gw.remove(member_id))
    except EtcdError as exc:
        text = 'failed to remove member %d: %s' % (member_id, exc.message)
        raise GRPCError(Status.NOT_FOUND if exc.code == _NOT_FOUND else Status.UNKNOWN,
                        text if exc.code == _NOT_FOUND else 'failed to remove member: %s' % text) from None
    return machine_pb2.EtcdRemoveMemberByIDResponse(messages=[machine_pb2.EtcdRemoveMemberByID()])


@unary(MachineService.EtcdLeaveCluster)
async def leave_cluster(call: Call) -> Any:
    member = _member(call, 'etcd leave')
    try:
        members = await _cluster_call(member, 'failed to create etcd client', lambda gw: gw.members())
        mine = [entry['id'] for entry in members if entry['name'] == member.name
                or entry['peer_urls'] == [member.peer_url]]
        for member_id in mine:
            try:
                await _cluster_call(member, 'failed to leave cluster', lambda gw, mid=member_id: gw.remove(mid))
            except EtcdError as exc:
                if exc.code != _NOT_FOUND:  # already removed: nothing to do
                    raise
    except EtcdError as exc:
        raise _etcd_error('failed to leave cluster', exc) from None
    await member.leave()
    return machine_pb2.EtcdLeaveClusterResponse(messages=[machine_pb2.EtcdLeaveCluster()])


@unary(MachineService.EtcdForfeitLeadership)
async def forfeit_leadership(call: Call) -> Any:
    member = _member(call, 'etcd forfeit leadership')
    gateway = _local(member, 'failed to forfeit leadership')
    try:
        members = await gateway.members()
        if len(members) == 1:
            raise GRPCError(Status.UNKNOWN, 'failed to forfeit leadership: cannot forfeit leadership, only one member')
        local = await gateway.status()
        new_leader = ''
        if local['leader'] == local['member_id']:
            for other in members:
                if other['id'] != local['member_id'] and not other['is_learner'] and other['name']:
                    await gateway.move_leader(other['id'])
                    new_leader = other['name']
                    break
    except EtcdError as exc:
        raise _etcd_error('failed to forfeit leadership', exc) from None
    return machine_pb2.EtcdForfeitLeadershipResponse(messages=[machine_pb2.EtcdForfeitLeadership(member=new_leader)])


async def _bootstrap_allowed(machine: Any) -> bool:
    """machined's IsBootstrapAllowed: CRI up within a second; on 1.14 also no reboot requested yet
    (internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go:IsBootstrapAllowed @ v1.13.9, v1.14.0-rc.1)."""
    if machine.version.at_least(1, 14) and lifecycle_of(machine).sequence in _REBOOTING_SEQUENCES:
        return False  # a RebootRequest exists
    table = services_of(machine)
    deadline = time.monotonic() + CRI_WAIT
    while not table.cri_up:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(PRECONDITION_POLL)
    return True


async def _time_synced(machine: Any) -> bool:
    """timeresource.NewSyncCondition waited for up to 5 s."""
    deadline = time.monotonic() + TIME_SYNC_WAIT
    while not time_synced(machine):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(PRECONDITION_POLL)
    return True


def _has_etcd_ca(machine: Any) -> bool:
    """The running config has cluster.etcd.ca (1.14 refuses a bootstrap without it)."""
    for doc in yaml.safe_load_all(machine.config_yaml or ''):
        if isinstance(doc, dict) and doc.get('version') == 'v1alpha1':
            ca = (((doc.get('cluster') or {}).get('etcd') or {}).get('ca') or {})
            return bool(ca.get('crt'))
    return False


@unary(MachineService.Bootstrap)
async def bootstrap(call: Call) -> Any:
    """internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:Server.Bootstrap @ v1.12.0, v1.13.9,
    v1.14.0-rc.1: bootstrap allowed (CRI up), control plane, (1.14) an etcd CA, time in sync, empty data dir."""
    machine = call.machine
    if not await _bootstrap_allowed(machine):
        raise GRPCError(Status.FAILED_PRECONDITION, 'bootstrap is not available yet')
    if machine.machine_type != 'controlplane' or machine.etcd is None:
        if machine.version.at_least(1, 13):
            raise GRPCError(Status.UNIMPLEMENTED, 'bootstrap is only available on control plane nodes')
        raise GRPCError(Status.FAILED_PRECONDITION, 'bootstrap can only be performed on a control plane node')
    if machine.version.at_least(1, 14) and not _has_etcd_ca(machine):
        raise GRPCError(Status.INVALID_ARGUMENT, 'etcd is not configured, bootstrap is not possible')
    if not await _time_synced(machine):
        raise GRPCError(Status.FAILED_PRECONDITION, 'time is not in sync yet')
    member: EtcdMember = machine.etcd
    if member.has_data or member.bootstrapping:
        raise GRPCError(Status.ALREADY_EXISTS, 'etcd data directory is not empty')
    await member.bootstrap(call.request.recover_etcd, call.request.recover_skip_hash_check)
    return machine_pb2.BootstrapResponse(messages=[machine_pb2.Bootstrap()])
