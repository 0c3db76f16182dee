# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim over real gRPC and TLS: authentication, RBAC, node proxying, maintenance, machine control."""

from __future__ import annotations

import os
import ssl
import time

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError, StreamTerminatedError

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.tls import client_context, insecure_client_context
from ansible_collections.talos.linux.tests.integration.simulator.conftest import rpc, run_sim, start_sim_fleet

BOOT_ID = '/proc/sys/kernel/random/boot_id'
MACHINE_CONFIG = ('config', 'MachineConfigs.config.talos.dev', 'v1alpha1')


def grpc_error(call, *args, **kwargs) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        call(*args, **kwargs)
    return info.value


def get(namespace: str, resource_type: str, resource_id: str):
    return State.Get, state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id)


def boot_id(address: str, tls, node: str = '') -> str:
    data = rpc(address, tls, MachineService.Read, machine_pb2.ReadRequest(path=BOOT_ID),
               [('node', node)] if node else None)
    return b''.join(d.bytes for d in data).decode().strip()


@pytest.mark.parametrize('context', ['sim', 'sim-reader'])
def test_version_over_mtls(sim_fleet, context):
    reply = rpc(sim_fleet.address('talos-cp-1'), sim_fleet.tls(context), MachineService.Version)
    version = reply[0].messages[0]
    assert version.version.tag == 'v1.14.0'
    assert (version.version.os, version.version.arch) == ('linux', 'amd64')
    assert (version.platform.name, version.platform.mode) == ('metal', 'metal')
    assert version.features.rbac is True


def test_node_metadata_proxies_to_the_worker(sim_fleet):
    cp, worker = sim_fleet.address('talos-cp-1'), sim_fleet.address('talos-worker-1')
    for node in (worker, 'talos-worker-1'):
        reply = rpc(cp, sim_fleet.tls(), MachineService.Hostname, metadata=[('node', node)])
        assert reply[0].messages[0].hostname == 'talos-worker-1'
    # Server streaming through the proxy, and the worker's own RBAC applies to the proxied reader.
    assert boot_id(cp, sim_fleet.tls(), worker) == boot_id(worker, sim_fleet.tls()) != boot_id(cp, sim_fleet.tls())
    err = grpc_error(rpc, cp, sim_fleet.tls('sim-reader'), MachineService.Read,
                     machine_pb2.ReadRequest(path=BOOT_ID), [('node', worker)])
    assert (err.status, err.message) == (Status.PERMISSION_DENIED, 'not authorized')
    err = grpc_error(rpc, cp, sim_fleet.tls(), MachineService.Version,
                     metadata=[('node', worker), ('node', cp)])
    assert (err.status, err.message) == (Status.INVALID_ARGUMENT, 'node metadata must be single-valued')


def test_sensitive_resource_needs_admin(sim_fleet):
    cp = sim_fleet.address('talos-cp-1')
    err = grpc_error(rpc, cp, sim_fleet.tls('sim-reader'), *get(*MACHINE_CONFIG))
    assert (err.status, err.message) == (Status.PERMISSION_DENIED, 'not authorized')
    resource = rpc(cp, sim_fleet.tls(), *get(*MACHINE_CONFIG))[0].resource
    assert resource.metadata.id == 'v1alpha1'
    assert 'type: controlplane' in resource.spec.yaml_spec
    # Non-sensitive resources are readable by the reader; List streams one resource per message.
    listed = rpc(cp, sim_fleet.tls('sim-reader'), State.List,
                 state_pb2.ListRequest(namespace='meta', type='ResourceDefinitions.meta.cosi.dev'))
    assert 'machineconfigs.config.talos.dev' in [r.resource.metadata.id for r in listed]
    status = rpc(cp, sim_fleet.tls('sim-reader'), *get('runtime', 'MachineStatuses.runtime.talos.dev', 'machine'))
    # Not bootstrapped: the boot waits for etcd and the node is not Ready (simulator.readiness).
    assert status[0].resource.spec.yaml_spec.startswith('stage: booting\nstatus:\n    ready: false\n    unmetConditions:\n')
    assert status[0].resource.spec.yaml_spec.endswith(
        '        - name: nodeReady\n          reason: node "talos-cp-1" status is not available yet\n')
    err = grpc_error(rpc, cp, sim_fleet.tls(), *get('config', 'MachineTypes.config.talos.dev', 'nope'))
    assert err.status == Status.NOT_FOUND


def test_unimplemented_rpc(sim_fleet):
    err = grpc_error(rpc, sim_fleet.address('talos-cp-1'), sim_fleet.tls(), MachineService.Containers,
                     machine_pb2.ContainersRequest())
    assert err.status == Status.UNIMPLEMENTED


def test_client_certificate_from_another_ca_is_refused(sim_fleet):
    other_ca = pki.generate_ca()
    cert = pki.issue_certificate(other_ca, organizations=['os:admin'], client=True)
    with open(os.path.join(sim_fleet.state_dir, 'secrets', 'os-ca.crt'), 'rb') as f:
        tls = client_context(f.read(), cert.crt, cert.key)
    with pytest.raises((ssl.SSLError, ConnectionError, StreamTerminatedError)):
        rpc(sim_fleet.address('talos-cp-1'), tls, MachineService.Version)


def test_stop_refuses_connections_and_start_gives_a_new_boot_id(sim_fleet):
    cp, worker = sim_fleet.address('talos-cp-1'), sim_fleet.address('talos-worker-1')
    before = boot_id(worker, sim_fleet.tls())
    assert sim_fleet.ctl('stop', 'talos-worker-1')['machine']['state'] == 'stopped'
    try:
        with pytest.raises(ConnectionRefusedError):
            rpc(worker, sim_fleet.tls(), MachineService.Version)
        err = grpc_error(rpc, cp, sim_fleet.tls(), MachineService.Version, metadata=[('node', worker)])
        assert err.status == Status.UNAVAILABLE and worker in err.message
    finally:
        assert sim_fleet.ctl('start', 'talos-worker-1')['machine']['state'] == 'running'
    after = boot_id(worker, sim_fleet.tls())
    assert after != before
    assert boot_id(cp, sim_fleet.tls(), worker) == after  # the endpoint reconnects to the rebooted machine


def test_maintenance_v1_14(sim_maintenance_114):
    fleet = sim_maintenance_114
    address = fleet.address('talos-cp-1')
    assert fleet.cluster['talosconfig'] is None and fleet.cluster['machines'][0]['state'] == 'maintenance'
    version = rpc(address, insecure_client_context(), MachineService.Version)[0].messages[0]
    assert version.version.tag == 'v1.14.0' and not version.HasField('features')
    err = grpc_error(rpc, address, insecure_client_context(), *get(*MACHINE_CONFIG))
    assert err.status == Status.PERMISSION_DENIED
    err = grpc_error(rpc, address, insecure_client_context(), MachineService.Read,
                     machine_pb2.ReadRequest(path=BOOT_ID))
    assert err.status == Status.PERMISSION_DENIED
    status = rpc(address, insecure_client_context(), *get('runtime', 'MachineStatuses.runtime.talos.dev', 'machine'))
    assert status[0].resource.spec.yaml_spec.startswith('stage: maintenance\n')


def test_maintenance_v1_12(sim_maintenance_112):
    address = sim_maintenance_112.address('talos-cp-1')
    err = grpc_error(rpc, address, insecure_client_context(), MachineService.Version)
    assert (err.status, err.message) == (Status.UNIMPLEMENTED, 'API is not implemented in maintenance mode')
    reply = rpc(address, insecure_client_context(), *get('runtime', 'Versions.runtime.talos.dev', 'version'))
    assert reply[0].resource.spec.yaml_spec == 'name: Talos\nversion: v1.12.4\n'
    err = grpc_error(rpc, address, insecure_client_context(), MachineService.Hostname)
    assert err.status == Status.UNIMPLEMENTED


def test_up_refuses_a_running_state_dir_and_down_leaves_no_process(tmp_path):
    state_dir = str(tmp_path / 'sim')
    fleet = start_sim_fleet(state_dir, '--maintenance')
    try:
        pid = fleet.pid
        again = run_sim('up', '--state-dir', state_dir, '--subnet', fleet.subnet, check=False)
        assert again.returncode != 0 and 'already running' in again.stderr
    finally:
        run_sim('down', '--state-dir', state_dir)
    assert not _alive(pid)
    assert fleet.cluster['pid'] is None and {m['state'] for m in fleet.cluster['machines']} == {'stopped'}
    assert run_sim('down', '--state-dir', state_dir).returncode == 0  # nothing running is fine too


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open('/proc/%d/stat' % pid, encoding='ascii') as f:
                if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                    return False  # exited; only waiting for its parent to reap it
        except FileNotFoundError:
            return False
        time.sleep(0.1)
    return True
