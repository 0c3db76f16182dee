# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's real etcd over raw gRPC: Bootstrap errors per version, etcd RPC errors and RBAC, no orphans."""

from __future__ import annotations

import hashlib
import os
import signal
import time

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import rpc, run_sim, start_sim_fleet


def etcd_pids(state_dir: str) -> list[int]:
    """Live etcd processes whose data directory is under state_dir."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                argv = f.read().split(b'\0')
            with open('/proc/%s/stat' % entry, encoding='ascii', errors='replace') as f:
                zombie = f.read().rsplit(')', 1)[-1].split()[0] == 'Z'
        except OSError:
            continue
        if not zombie and argv and argv[0].endswith(b'etcd') and any(state_dir.encode() in arg for arg in argv):
            pids.append(int(entry))
    return pids


def code_of(call, *args) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        call(*args)
    return info.value


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'condition not met within %.0fs' % timeout
        time.sleep(0.2)


def etcd_bootstrapped(cp: str, tls) -> None:
    """Bootstrap the control plane's etcd unless it already is, then wait until it has a leader."""
    try:
        rpc(cp, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
    except GRPCError as exc:
        assert exc.status == Status.ALREADY_EXISTS, exc
    wait_for_leader(cp, tls)


def wait_for_leader(cp: str, tls) -> None:
    """Wait until the control plane's etcd member knows a leader."""
    def leader_known() -> bool:
        try:
            return bool(rpc(cp, tls, MachineService.EtcdStatus)[0].messages[0].member_status.leader)
        except GRPCError:
            return False
    wait_for(leader_known)


@pytest.fixture(scope='module')
def fleet112(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp('etcd112'))
    fleet = start_sim_fleet(state_dir, '--controlplanes', '1', '--workers', '1', '--talos-version', 'v1.12.4')
    yield fleet
    run_sim('down', '--state-dir', state_dir, check=False)
    assert etcd_pids(state_dir) == []


def test_bootstrap_and_etcd_errors_v112(fleet112):
    cp, worker, tls = fleet112.address('talos-cp-1'), fleet112.address('talos-worker-1'), fleet112.tls()
    request = machine_pb2.BootstrapRequest()
    err = code_of(rpc, worker, tls, MachineService.Bootstrap, request)
    assert (err.status, err.message) == (Status.FAILED_PRECONDITION,
                                         'bootstrap can only be performed on a control plane node')
    err = code_of(rpc, worker, tls, MachineService.EtcdStatus)
    assert (err.status, err.message) == (Status.UNIMPLEMENTED, 'etcd status is only available on control plane nodes')
    err = code_of(rpc, cp, fleet112.tls('sim-reader'), MachineService.Bootstrap, request)
    assert err.status == Status.PERMISSION_DENIED
    err = code_of(rpc, cp, fleet112.tls('sim-reader'), MachineService.EtcdSnapshot, machine_pb2.EtcdSnapshotRequest())
    assert err.status == Status.PERMISSION_DENIED

    rpc(cp, tls, MachineService.Bootstrap, request)
    err = code_of(rpc, cp, tls, MachineService.Bootstrap, request)
    assert (err.status, err.message) == (Status.ALREADY_EXISTS, 'etcd data directory is not empty')
    wait_for_leader(cp, tls)
    members = rpc(cp, fleet112.tls('sim-reader'), MachineService.EtcdMemberList,
                  machine_pb2.EtcdMemberListRequest())[0].messages[0].members
    assert [m.hostname for m in members] == ['talos-cp-1']
    assert members[0].client_urls == ['http://%s:2379' % cp]
    err = code_of(rpc, cp, tls, MachineService.EtcdRemoveMemberByID, machine_pb2.EtcdRemoveMemberByIDRequest(
        member_id=members[0].id + 1))
    assert err.status == Status.NOT_FOUND and 'member not found' in err.message
    err = code_of(rpc, cp, tls, MachineService.EtcdForfeitLeadership, machine_pb2.EtcdForfeitLeadershipRequest())
    assert 'only one member' in err.message
    services = rpc(cp, tls, MachineService.ServiceList)[0].messages[0].services
    etcd = next(s for s in services if s.id == 'etcd')
    assert etcd.state == 'Running' and etcd.health.healthy


def test_snapshot_comes_in_talos_sized_messages_and_is_etcds_whole_snapshot(fleet112):
    """Talos re-cuts etcd's snapshot into messages of at most 1 KiB; their bytes are etcd's snapshot: the bolt
    database followed by its sha256 (etcd's snapshot format)."""
    cp, tls = fleet112.address('talos-cp-1'), fleet112.tls()
    etcd_bootstrapped(cp, tls)  # also when run alone (-k snapshot), without the bootstrap test before it
    messages = rpc(cp, tls, MachineService.EtcdSnapshot, machine_pb2.EtcdSnapshotRequest())
    sizes = [len(message.bytes) for message in messages]
    assert len(sizes) > 16 and max(sizes) == 1024
    data = b''.join(message.bytes for message in messages)
    assert hashlib.sha256(data[:-32]).digest() == data[-32:]


def test_machine_stop_stops_etcd_and_start_restarts_it_with_its_data(fleet112):
    cp, tls = fleet112.address('talos-cp-1'), fleet112.tls()
    before = etcd_pids(fleet112.state_dir)
    assert len(before) == 1
    fleet112.ctl('stop', 'talos-cp-1')
    wait_for(lambda: etcd_pids(fleet112.state_dir) == [])
    fleet112.ctl('start', 'talos-cp-1')
    wait_for(lambda: len(etcd_pids(fleet112.state_dir)) == 1)
    err = code_of(rpc, cp, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
    assert err.status == Status.ALREADY_EXISTS


def test_sigkill_of_the_fleet_leaves_no_etcd(tmp_path):
    state_dir = str(tmp_path)
    fleet = start_sim_fleet(state_dir, '--controlplanes', '1')
    try:
        rpc(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Bootstrap, machine_pb2.BootstrapRequest())
        wait_for(lambda: len(etcd_pids(state_dir)) == 1)
        os.kill(fleet.pid, signal.SIGKILL)
        wait_for(lambda: etcd_pids(state_dir) == [])
    finally:
        run_sim('down', '--state-dir', state_dir, check=False)
