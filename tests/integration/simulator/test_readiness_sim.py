# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's readiness, Bootstrap/EtcdRecover preconditions and HealthCheck inputs, over raw gRPC.

One fleet (a control plane and a worker, Talos 1.14) started with a long ``--bootstrap-delay`` so that
the window before the container runtime is up can be observed; the tests run in file order:
window, after the window, time sync held off, bootstrap, ready, HealthCheck.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
import yaml
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.cluster import cluster_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cluster.cluster_grpc import ClusterService
from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import PORT, rpc, run_sim, start_sim_fleet

WINDOW = 8.0  # --bootstrap-delay: CRI comes up this long after boot, /var halfway


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp('ready'))
    started = time.monotonic()
    sim = start_sim_fleet(state_dir, '--controlplanes', '1', '--workers', '1', '--bootstrap-delay', str(WINDOW))
    sim.started = started
    yield sim
    run_sim('down', '--state-dir', state_dir, check=False)


def status(fleet, name: str) -> dict:
    reply = rpc(fleet.address(name), fleet.tls('sim-reader'),
                State.Get, state_pb2.GetRequest(namespace='runtime', type='MachineStatuses.runtime.talos.dev',
                                                id='machine'))
    return yaml.safe_load(reply[0].resource.spec.yaml_spec)


def unmet(spec: dict) -> dict:
    return {item['name']: item['reason'] for item in spec['status']['unmetConditions']}


def error_of(call, *args) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        call(*args)
    return info.value


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'condition not met within %.0fs' % timeout
        time.sleep(0.2)


def test_before_the_container_runtime_is_up(fleet):
    """Inside the window: recover refused before /var, bootstrap refused before CRI, nothing ready."""
    cp, tls = fleet.address('talos-cp-1'), fleet.tls()
    assert time.monotonic() - fleet.started < WINDOW / 2, 'the fleet took too long to start for this test'
    err = error_of(rpc, cp, tls, MachineService.EtcdRecover, common_pb2.Data(bytes=b'x'))
    assert (err.status, err.message) == (Status.FAILED_PRECONDITION, 'etcd service is not ready for recovery yet')
    err = error_of(rpc, cp, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
    assert (err.status, err.message) == (Status.FAILED_PRECONDITION, 'bootstrap is not available yet')
    cp_status = status(fleet, 'talos-cp-1')
    assert cp_status['stage'] == 'booting' and cp_status['status']['ready'] is False
    assert unmet(cp_status) == {'services': 'kubelet not running, etcd not running',
                                'nodeReady': 'node "talos-cp-1" status is not available yet'}
    assert unmet(status(fleet, 'talos-worker-1')) == {
        'services': 'kubelet not running', 'nodeReady': 'node "talos-worker-1" status is not available yet'}


def test_after_the_window_a_control_plane_waits_for_bootstrap(fleet):
    wait_for(lambda: status(fleet, 'talos-worker-1')['stage'] == 'running')
    worker = status(fleet, 'talos-worker-1')
    assert worker['status']['ready'] is False  # no Kubernetes API without a bootstrapped control plane
    assert unmet(worker) == {'nodeReady': 'node "talos-worker-1" status is not available yet'}
    wait_for(lambda: 'kubelet' not in unmet(status(fleet, 'talos-cp-1')).get('services', ''))
    cp_status = status(fleet, 'talos-cp-1')
    assert cp_status['stage'] == 'booting'  # startAllServices waits for etcd, which waits for the bootstrap
    assert unmet(cp_status) == {'services': 'etcd not running',
                                'nodeReady': 'node "talos-cp-1" status is not available yet'}


def test_time_not_in_sync(fleet):
    cp, tls = fleet.address('talos-cp-1'), fleet.tls()
    fleet.ctl('time-sync', 'talos-cp-1', 'off')
    try:
        assert unmet(status(fleet, 'talos-cp-1'))['time'] == 'time is not synced'
        started = time.monotonic()
        err = error_of(rpc, cp, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
        assert (err.status, err.message) == (Status.FAILED_PRECONDITION, 'time is not in sync yet')
        assert time.monotonic() - started >= 4.5  # Talos waits 5 s for the sync first
    finally:
        fleet.ctl('time-sync', 'talos-cp-1', 'on')
    assert 'time' not in unmet(status(fleet, 'talos-cp-1'))


def test_bootstrap_makes_the_fleet_ready(fleet):
    cp, tls = fleet.address('talos-cp-1'), fleet.tls()
    rpc(cp, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
    for name in ('talos-cp-1', 'talos-worker-1'):
        wait_for(lambda name=name: status(fleet, name) == {
            'stage': 'running', 'status': {'ready': True, 'unmetConditions': []}})
    # A stopped kubelet: the node is not Ready for Kubernetes, and services name it.
    fleet.ctl('stop-service', 'talos-worker-1', 'kubelet')
    try:
        assert unmet(status(fleet, 'talos-worker-1')) == {
            'services': 'kubelet not running', 'nodeReady': 'node "talos-worker-1" is not ready'}
    finally:
        fleet.ctl('start-service', 'talos-worker-1', 'kubelet')


def health(fleet, context: str, controlplanes=(), workers=(), timeout: float = 5.0) -> tuple[list[str], GRPCError]:
    request = cluster_pb2.HealthCheckRequest(
        wait_timeout=timedelta(seconds=timeout),
        cluster_info=cluster_pb2.ClusterInfo(control_plane_nodes=list(controlplanes), worker_nodes=list(workers)))
    lines: list[str] = []

    async def stream() -> None:
        method = ClusterService.HealthCheck
        channel = Channel(fleet.address('talos-cp-1'), PORT, ssl=fleet.tls(context))
        try:
            async with channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                       timeout=timeout + 10) as call:
                await call.send_message(request, end=True)
                while (reply := await call.recv_message()) is not None:
                    lines.append(reply.message)
                await call.recv_trailing_metadata()
        finally:
            channel.close()
    try:
        asyncio.run(stream())
    except GRPCError as exc:
        return lines, exc
    return lines, None


def test_health_check_needs_ip_literals(fleet):
    _lines, err = health(fleet, 'sim', ['talos-cp-1'], [fleet.address('talos-worker-1')])
    assert (err.status, err.message) == (Status.UNKNOWN, 'ParseAddr("talos-cp-1"): unable to parse IP')
    _lines, err = health(fleet, 'sim', [fleet.address('talos-cp-1')], ['10.0.0'])
    assert err.message == 'ParseAddr("10.0.0"): IPv4 address too short'


def test_health_check_runs_kubernetes_checks_with_the_callers_roles(fleet):
    cp, worker = fleet.address('talos-cp-1'), fleet.address('talos-worker-1')
    lines, err = health(fleet, 'sim', [cp], [worker], timeout=30)
    assert err is None, lines
    lines, err = health(fleet, 'sim-reader', [cp], [worker], timeout=6)
    assert err is not None and err.status == Status.DEADLINE_EXCEEDED
    assert 'waiting for etcd to be healthy: OK' in lines
    assert lines[-1] == 'waiting for all k8s nodes to report: rpc error: code = PermissionDenied desc = not authorized'
