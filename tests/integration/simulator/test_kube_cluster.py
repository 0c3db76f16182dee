# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Kubernetes cluster, through the real kubectl and the official Python client.

One fleet (a control plane and two workers, Talos 1.14) started without bootstrap; the tests run in file
order: the endpoint before and after bootstrap, nodes and system pods, cordon and the health check, a
drain held back by a PodDisruptionBudget, a stopped kubelet and a stopped machine, the API without etcd
quorum, and a shutdown's cordonAndDrainNode task.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
from datetime import timedelta

import pytest
import yaml
from grpclib.client import Channel
from grpclib.const import Cardinality
from grpclib.exceptions import GRPCError
from kubernetes import client as kube_client
from kubernetes import config as kube_config
from kubernetes.client.rest import ApiException

from ansible_collections.talos.linux.plugins.module_utils._api.cluster import cluster_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cluster.cluster_grpc import ClusterService
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import PORT, rpc, run_sim, start_sim_fleet

KUBECTL = shutil.which('kubectl') or '/usr/bin/kubectl'
WORKERS = ('talos-worker-1', 'talos-worker-2')
pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is installed by make setup')


def wait_for(predicate, timeout: float = 30.0, what: str = 'condition'):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, '%s not met within %.0fs' % (what, timeout)
        time.sleep(0.2)


def wait_value(fetch, accept, timeout: float = 30.0, what: str = 'condition'):
    """``fetch()`` again until ``accept`` takes what it returns; that value."""
    found = []

    def accepted() -> bool:
        found[:] = [fetch()]
        return bool(accept(found[0]))
    wait_for(accepted, timeout, what)
    return found[0]


def pods_ready(pods: list, count: int) -> bool:
    return len(pods) == count and all(pod_ready(p) == 'True' for p in pods)


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp('kube'))
    sim = start_sim_fleet(state_dir, '--controlplanes', '1', '--workers', '2')
    yield sim
    run_sim('down', '--state-dir', state_dir, check=False)


@pytest.fixture(scope='module')
def kube(fleet, tmp_path_factory):
    """(kubectl runner, CoreV1Api, AppsV1Api, PolicyV1Api) with the admin kubeconfig from the Kubeconfig RPC."""
    work = tmp_path_factory.mktemp('kubectl')
    data = b''.join(reply.bytes for reply in rpc(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Kubeconfig))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        text = tar.extractfile('kubeconfig').read().decode()
    path = work / 'kubeconfig'
    path.write_text(text)
    env = {'HOME': str(work), 'PATH': os.environ.get('PATH', '')}

    def kubectl(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run([KUBECTL, '--kubeconfig', str(path), '--cache-dir', str(work / 'cache'), *args],
                              capture_output=True, text=True, env=env, timeout=timeout, check=False)
        if check:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    api = kube_config.new_client_from_config_dict(yaml.safe_load(text))
    return kubectl, kube_client.CoreV1Api(api), kube_client.AppsV1Api(api), kube_client.PolicyV1Api(api)


def ready_status(node) -> str:
    return next(c.status for c in node.status.conditions if c.type == 'Ready')


def pod_ready(pod) -> str:
    return next((c.status for c in pod.status.conditions or [] if c.type == 'Ready'), 'missing')


def health(fleet, timeout: float) -> list[str]:
    request = cluster_pb2.HealthCheckRequest(wait_timeout=timedelta(seconds=timeout))
    lines: list[str] = []

    async def stream() -> None:
        method = ClusterService.HealthCheck
        channel = Channel(fleet.address('talos-cp-1'), PORT, ssl=fleet.tls())
        try:
            async with channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                       timeout=timeout + 10) as call:
                await call.send_message(request, end=True)
                while (reply := await call.recv_message()) is not None:
                    lines.append(reply.message)
        finally:
            channel.close()
    try:
        asyncio.run(stream())
    except GRPCError:
        pass
    return lines


def machine_status(fleet, name: str) -> dict:
    reply = rpc(fleet.address(name), fleet.tls(), State.Get, state_pb2.GetRequest(
        namespace='runtime', type='MachineStatuses.runtime.talos.dev', id='machine'))
    return yaml.safe_load(reply[0].resource.spec.yaml_spec)


def test_endpoint_refuses_until_bootstrap_then_serves(fleet, kube):
    cp = fleet.address('talos-cp-1')
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((cp, 6443), timeout=5).close()

    def bootstrapped() -> bool:
        try:
            rpc(cp, fleet.tls(), MachineService.Bootstrap, machine_pb2.BootstrapRequest())
        except GRPCError as err:
            assert 'not available yet' in err.message, err.message
            return False
        return True
    wait_for(bootstrapped, 20, 'bootstrap accepted')
    kubectl, core, _apps, _policy = kube

    def all_ready() -> bool:
        try:
            nodes = core.list_node().items
        except Exception:  # pylint: disable=broad-except  # not listening yet
            return False
        return len(nodes) == 3 and all(ready_status(n) == 'True' for n in nodes)
    wait_for(all_ready, 60, 'three Ready nodes')
    assert json.loads(kubectl('version', '-o', 'json').stdout)['serverVersion']['gitVersion'] == 'v1.33.1'


def test_nodes_as_kubectl_shows_them(fleet, kube):
    kubectl, core, _apps, _policy = kube
    rows = [line.split() for line in kubectl('get', 'nodes', '-o', 'wide').stdout.splitlines()]
    assert rows[0] == ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE',
                       'KERNEL-VERSION', 'CONTAINER-RUNTIME']
    by_name = {row[0]: row for row in rows[1:]}
    assert sorted(by_name) == ['talos-cp-1', *WORKERS]
    for name, row in by_name.items():
        role = 'control-plane' if name == 'talos-cp-1' else '<none>'
        assert row[1:3] == ['Ready', role]
        assert row[4:7] == ['v1.33.1', fleet.address(name), '<none>']
        assert row[7:] == ['Talos', '(v1.14.0)', '6.18.44-talos', 'containerd://2.3.3']
    cp = core.read_node('talos-cp-1')
    assert [(t.key, t.effect) for t in cp.spec.taints] == [('node-role.kubernetes.io/control-plane', 'NoSchedule')]
    assert cp.metadata.labels['kubernetes.io/hostname'] == 'talos-cp-1'
    assert cp.metadata.annotations['talos.dev/owned-labels'] == '["node-role.kubernetes.io/control-plane"]'
    assert {c.type: (c.status, c.reason) for c in cp.status.conditions} == {
        'MemoryPressure': ('False', 'KubeletHasSufficientMemory'),
        'DiskPressure': ('False', 'KubeletHasNoDiskPressure'), 'PIDPressure': ('False', 'KubeletHasSufficientPID'), 'Ready': ('True', 'KubeletReady')}
    assert core.read_node('talos-worker-1').spec.taints is None


def test_system_pods_run(kube):
    kubectl, _core, apps, _policy = kube

    def pods() -> dict:
        rows = [line.split() for line in kubectl('get', 'pods', '-A', '-o', 'wide').stdout.splitlines()[1:]]
        return {row[1]: row for row in rows}
    listed = wait_value(pods, lambda p: len(p) == 11 and all(r[3] == 'Running' for r in p.values()), 20,
                        'eleven Running system pods')
    for component in ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler'):
        assert listed['%s-talos-cp-1' % component][:4] == ['kube-system', '%s-talos-cp-1' % component, '1/1',
                                                           'Running']
    for prefix in ('kube-proxy-', 'kube-flannel-'):
        assert sorted(row[7] for name, row in listed.items() if name.startswith(prefix)) == ['talos-cp-1', *WORKERS]
    coredns = [row for name, row in listed.items() if name.startswith('coredns-')]
    assert len(coredns) == 2 and {row[7] for row in coredns} <= set(WORKERS) | {'talos-cp-1'}
    proxy = apps.read_namespaced_daemon_set('kube-proxy', 'kube-system').status
    assert (proxy.desired_number_scheduled, proxy.number_ready, proxy.observed_generation) == (3, 3, 1)
    assert apps.read_namespaced_deployment('coredns', 'kube-system').status.ready_replicas == 2


def test_nodename_resource(fleet):
    worker = fleet.address('talos-worker-1')
    reply = rpc(worker, fleet.tls(), State.Get, state_pb2.GetRequest(
        namespace='k8s', type='Nodenames.kubernetes.talos.dev', id='nodename'))
    assert yaml.safe_load(reply[0].resource.spec.yaml_spec) == {
        'nodename': 'talos-worker-1', 'hostnameVersion': '1', 'skipNodeRegistration': False}
    definitions = rpc(worker, fleet.tls(), State.List, state_pb2.ListRequest(
        namespace='meta', type='ResourceDefinitions.meta.cosi.dev'))
    assert 'nodenames.kubernetes.talos.dev' in [item.resource.metadata.id for item in definitions]


def test_cordon_fails_the_schedulable_check(fleet, kube):
    kubectl, _core, _apps, _policy = kube
    kubectl('cordon', 'talos-worker-1')
    try:
        assert 'Ready,SchedulingDisabled' in kubectl('get', 'node', 'talos-worker-1').stdout
        lines = health(fleet, 4)
        assert 'waiting for all k8s nodes to report ready: OK' in lines
        assert lines[-1] == ('waiting for all k8s nodes to report schedulable: some nodes are not schedulable: '
                             '[talos-worker-1]')
    finally:
        kubectl('uncordon', 'talos-worker-1')
    assert health(fleet, 20)[-1] == 'waiting for all k8s nodes to report schedulable: OK'


def web(replicas: int) -> tuple[dict, dict]:
    labels = {'app': 'web'}
    deployment = {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'web'},
                  'spec': {'replicas': replicas, 'selector': {'matchLabels': labels},
                           'template': {'metadata': {'labels': labels},
                                        'spec': {'containers': [{'name': 'web', 'image': 'nginx:1.27'}]}}}}
    pdb = {'apiVersion': 'policy/v1', 'kind': 'PodDisruptionBudget', 'metadata': {'name': 'web'},
           'spec': {'minAvailable': replicas - 1, 'selector': {'matchLabels': labels}}}
    return deployment, pdb


def web_pods(core, node: str = '') -> list:
    return core.list_namespaced_pod('default', label_selector='app=web',
                                    field_selector='spec.nodeName=%s' % node if node else '').items


def test_drain_is_held_back_by_the_budget_then_moves_the_pods(fleet, kube):
    kubectl, core, apps, policy = kube
    kubectl('cordon', 'talos-worker-2')  # every replica lands on talos-worker-1
    deployment, pdb = web(3)
    apps.create_namespaced_deployment('default', deployment)
    policy.create_namespaced_pod_disruption_budget('default', pdb)
    wait_for(lambda: sum(pod_ready(p) == 'True' for p in web_pods(core)) == 3, 20, 'three ready replicas')
    assert {p.spec.node_name for p in web_pods(core)} == {'talos-worker-1'}
    assert kubectl('get', 'pdb', 'web').stdout.splitlines()[1].split()[:4] == ['web', '2', 'N/A', '1']
    kubectl('uncordon', 'talos-worker-2')
    drain = kubectl('drain', 'talos-worker-1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s',
                    timeout=120)
    output = drain.stdout + drain.stderr
    assert "Cannot evict pod as it would violate the pod's disruption budget." in output
    assert 'node/talos-worker-1 drained' in output
    pods = wait_value(lambda: web_pods(core), lambda p: pods_ready(p, 3), 20, 'three ready replicas again')
    assert {p.spec.node_name for p in pods} == {'talos-worker-2'}
    assert all(p.metadata.owner_references[0].kind == 'ReplicaSet' and p.metadata.owner_references[0].controller
               for p in pods)
    assert fleet.ctl('kube-violations')['violations'] == []
    kubectl('uncordon', 'talos-worker-1')


def test_deleting_a_pod_brings_a_replacement(kube):
    _kubectl, core, _apps, _policy = kube
    victim = web_pods(core)[0].metadata.name
    core.delete_namespaced_pod(victim, 'default')
    pods = wait_value(lambda: web_pods(core), lambda p: pods_ready(p, 3), 20, 'the replacement ready')
    assert victim not in [p.metadata.name for p in pods]
    with pytest.raises(ApiException) as info:
        core.read_namespaced_pod(victim, 'default')
    assert info.value.status == 404


def test_stopped_kubelet_makes_the_node_not_ready(fleet, kube):
    _kubectl, core, _apps, _policy = kube
    fleet.ctl('stop-service', 'talos-worker-2', 'kubelet')
    try:
        node = wait_value(lambda: core.read_node('talos-worker-2'), lambda n: ready_status(n) == 'Unknown', 10,
                          'Ready Unknown')
        ready = next(c for c in node.status.conditions if c.type == 'Ready')
        assert (ready.reason, ready.message) == ('NodeStatusUnknown', 'Kubelet stopped posting node status.')
        assert ('node.kubernetes.io/unreachable', 'NoExecute') in [(t.key, t.effect) for t in node.spec.taints]
        assert web_pods(core, 'talos-worker-2'), 'the drain left replicas on talos-worker-2'
        wait_for(lambda: all(pod_ready(p) == 'False' for p in web_pods(core, 'talos-worker-2')), 10,
                 'pods marked not ready')
        unmet = wait_for(lambda: {c['name']: c['reason'] for c in
                                  machine_status(fleet, 'talos-worker-2')['status']['unmetConditions']}, 10)
        assert unmet['nodeReady'] == 'node "talos-worker-2" is not ready'
    finally:
        fleet.ctl('start-service', 'talos-worker-2', 'kubelet')
    wait_for(lambda: ready_status(core.read_node('talos-worker-2')) == 'True', 10, 'Ready again')
    wait_for(lambda: all(pod_ready(p) == 'True' for p in web_pods(core)), 10, 'pods ready again')
    assert core.read_node('talos-worker-2').spec.taints is None


def test_stopped_machine_keeps_its_pods_until_it_is_back(fleet, kube):
    _kubectl, core, _apps, _policy = kube
    before = {p.metadata.name for p in web_pods(core, 'talos-worker-2')}
    assert before
    fleet.ctl('stop', 'talos-worker-2')
    try:
        wait_for(lambda: ready_status(core.read_node('talos-worker-2')) == 'Unknown', 10, 'Ready Unknown')
        wait_for(lambda: all(pod_ready(p) == 'False' for p in web_pods(core, 'talos-worker-2')), 10,
                 'pods marked not ready')
        assert {p.metadata.name for p in web_pods(core, 'talos-worker-2')} == before, 'the pods stay bound'
    finally:
        fleet.ctl('start', 'talos-worker-2')
    wait_for(lambda: all(pod_ready(p) == 'True' for p in web_pods(core)), 20, 'pods ready again')
    pods = web_pods(core, 'talos-worker-2')
    assert {p.metadata.name for p in pods} == before
    assert all(p.status.container_statuses[0].restart_count == 1 for p in pods)
    last = fleet.ctl('kube-violations')['violations'][-1]
    assert (last['pdb'], last['desiredHealthy']) == ('web', 2)
    assert last['cause'].startswith('node talos-worker-2: kubelet silent'), last


def test_api_answers_503_without_quorum_and_comes_back(fleet, kube):
    kubectl, core, _apps, _policy = kube
    fleet.ctl('stop-service', 'talos-cp-1', 'etcd')
    try:
        def refused() -> bool:
            try:
                core.list_node()
            except ApiException as err:
                return err.status == 503
            return False
        wait_for(refused, 10, '503')
        proc = kubectl('get', 'nodes', check=False)
        assert proc.returncode == 1
        assert 'Error from server (ServiceUnavailable): the server is currently unable to handle the request' \
            in proc.stderr
    finally:
        fleet.ctl('start-service', 'talos-cp-1', 'etcd')
    wait_for(lambda: kubectl('get', 'nodes', check=False).returncode == 0, 30, 'the API back')


def test_shutdown_cordons_and_drains_and_boot_uncordons(fleet, kube):
    _kubectl, core, _apps, _policy = kube
    worker = fleet.address('talos-worker-2')
    violations = len(fleet.ctl('kube-violations')['violations'])
    rpc(worker, fleet.tls(), MachineService.Shutdown, machine_pb2.ShutdownRequest())
    node = wait_value(lambda: core.read_node('talos-worker-2'), lambda n: n.spec.unschedulable, 10, 'cordoned')
    assert node.metadata.annotations['talos.dev/cordoned'] == 'true'
    pods = wait_value(lambda: web_pods(core),
                      lambda p: pods_ready(p, 3) and {x.spec.node_name for x in p} == {'talos-worker-1'}, 60,
                      'replicas moved to talos-worker-1')
    assert len(pods) == 3
    wait_for(lambda: next(m['state'] for m in fleet.ctl('status')['machines'] if m['name'] == 'talos-worker-2')
             == 'stopped', 30, 'powered off')
    fleet.ctl('start', 'talos-worker-2')
    node = wait_value(lambda: core.read_node('talos-worker-2'), lambda n: not n.spec.unschedulable, 20,
                      'uncordoned at boot')
    assert 'talos.dev/cordoned' not in node.metadata.annotations
    assert len(fleet.ctl('kube-violations')['violations']) == violations, 'the drain kept to the budget'


def test_start_delay_is_configurable(fleet, kube):
    _kubectl, core, apps, _policy = kube
    assert fleet.ctl('kube-start-delay', '3')['start_delay'] == 3.0
    try:
        apps.patch_namespaced_deployment('web', 'default', {'spec': {'replicas': 4}})
        pending = wait_for(lambda: [p for p in web_pods(core) if p.status.phase == 'Pending'], 5, 'a new pod')
        assert pending[0].status.container_statuses[0].state.waiting.reason == 'ContainerCreating'
        time.sleep(1)
        assert pod_ready(core.read_namespaced_pod(pending[0].metadata.name, 'default')) == 'False'
        wait_for(lambda: pod_ready(core.read_namespaced_pod(pending[0].metadata.name, 'default')) == 'True', 10)
    finally:
        fleet.ctl('kube-start-delay', '0.3')
