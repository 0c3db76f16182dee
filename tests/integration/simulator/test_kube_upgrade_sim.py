# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Talos side of a Kubernetes upgrade, as ``talosctl upgrade-k8s`` sees it: the control-plane config
resources and their versions, the mirror pods that carry those versions, and the kubelet restarted for a new
image. Real gRPC over mTLS to the fleet, the real Kubernetes API (official client and kubectl).

One fleet (a control plane and a worker, Talos 1.14, bootstrapped); the tests run in file order.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import threading
import time

import pytest
import yaml
from kubernetes import client as kube_client
from kubernetes import config as kube_config
from kubernetes import watch as kube_watch

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc

KUBECTL = shutil.which('kubectl') or '/usr/bin/kubectl'
CP, WORKER = 'talos-cp-1', 'talos-worker-1'
APISERVER_TYPE = 'APIServerConfigs.kubernetes.talos.dev'
NEW_APISERVER = 'registry.k8s.io/kube-apiserver:v1.34.1'
NEW_KUBELET = 'ghcr.io/siderolabs/kubelet:v1.34.1'
Mode = machine_pb2.ApplyConfigurationRequest
pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is installed by make setup')


def wait_value(fetch, accept, timeout: float = 30.0, what: str = 'condition', pause: float = 0.1):
    """``fetch()`` again until ``accept`` takes what it returns; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if accept(value):
            return value
        assert time.monotonic() < deadline, '%s not met within %.0fs; last seen: %r' % (what, timeout, value)
        time.sleep(pause)


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--bootstrap')


@pytest.fixture(scope='module')
def kube(fleet, tmp_path_factory):
    """(kubectl runner, CoreV1Api) with the admin kubeconfig from the Kubeconfig RPC."""
    return _kube_of(fleet, tmp_path_factory, [CP, WORKER])


def _kube_of(fleet, tmp_path_factory, nodes: list[str]):
    work = tmp_path_factory.mktemp('kubectl')
    data = b''.join(reply.bytes for reply in rpc(fleet.address(CP), fleet.tls(), MachineService.Kubeconfig))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        text = tar.extractfile('kubeconfig').read().decode()
    path = work / 'kubeconfig'
    path.write_text(text)
    env = {'HOME': str(work), 'PATH': os.environ.get('PATH', '')}

    def kubectl(*args: str) -> str:
        proc = subprocess.run([KUBECTL, '--kubeconfig', str(path), '--cache-dir', str(work / 'cache'), *args],
                              capture_output=True, text=True, env=env, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    core = kube_client.CoreV1Api(kube_config.new_client_from_config_dict(yaml.safe_load(text)))
    wait_value(lambda: _ready_nodes(core), lambda names: names == nodes, 60, 'every node Ready', 0.3)
    return kubectl, core


def _ready_nodes(core) -> list[str]:
    try:
        nodes = core.list_node().items
    except Exception:  # pylint: disable=broad-except  # the API is not listening yet
        return []
    return sorted(n.metadata.name for n in nodes if _condition(n, 'Ready') == 'True')


def _condition(obj, kind: str) -> str:
    return next((c.status for c in obj.status.conditions or [] if c.type == kind), 'missing')


def _resource(fleet, machine: str, namespace: str, resource_type: str, resource_id: str):
    request = state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id)
    return rpc(fleet.address(machine), fleet.tls(), State.Get, request)[0].resource


def _listed(fleet, machine: str, namespace: str, resource_type: str) -> dict:
    request = state_pb2.ListRequest(namespace=namespace, type=resource_type)
    return {reply.resource.metadata.id: reply.resource
            for reply in rpc(fleet.address(machine), fleet.tls(), State.List, request)}


def _apiserver_config(fleet, resource_id: str = 'kube-apiserver') -> tuple[str, dict]:
    resource = _resource(fleet, CP, 'controlplane', APISERVER_TYPE, resource_id)
    return resource.metadata.version, yaml.safe_load(resource.spec.yaml_spec)


def _config(fleet, machine: str) -> str:
    resource = _resource(fleet, machine, 'config', 'MachineConfigs.config.talos.dev', 'v1alpha1')
    return config_pb2.MachineConfigSpec.FromString(resource.spec.proto_spec).yaml_marshalled.decode()


def _apply(fleet, machine: str, text: str) -> None:
    request = Mode(data=text.encode(), mode=Mode.NO_REBOOT)
    reply = rpc(fleet.address(machine), fleet.tls(), MachineService.ApplyConfiguration, request)[0].messages[0]
    assert reply.mode == Mode.NO_REBOOT, reply


def _mirror_pod(core, component: str = 'kube-apiserver'):
    return core.read_namespaced_pod('%s-%s' % (component, CP), 'kube-system')


def _versions(fleet) -> dict[tuple[str, str], str]:
    out = {}
    for resource_type in (APISERVER_TYPE, 'ControllerManagerConfigs.kubernetes.talos.dev',
                          'SchedulerConfigs.kubernetes.talos.dev'):
        for resource_id, resource in _listed(fleet, CP, 'controlplane', resource_type).items():
            out[(resource_type, resource_id)] = resource.metadata.version
    return out


def test_control_plane_configs_rendered_on_control_planes_only(fleet, kube):
    version, spec = _apiserver_config(fleet)
    assert version == '1'
    assert spec['image'] == 'registry.k8s.io/kube-apiserver:v1.33.1'
    assert spec['etcdServers'] == ['https://127.0.0.1:2379'] and spec['localPort'] == 6443
    assert spec['serviceCIDR'] == ['10.96.0.0/12'] and spec['advertisedAddress'] == '$(POD_IP)'
    assert spec['extraArgs'] == {} and spec['useAuthenticationConfig'] is False
    # 1.14: the final copy the static pod is rendered from moves with it
    assert _apiserver_config(fleet, 'final-kube-apiserver') == (version, spec)
    assert set(_versions(fleet)) == {(t + 'Configs.kubernetes.talos.dev', prefix + c)
                                     for t, c in (('APIServer', 'kube-apiserver'),
                                                  ('ControllerManager', 'kube-controller-manager'),
                                                  ('Scheduler', 'kube-scheduler'))
                                     for prefix in ('', 'final-')}
    assert _listed(fleet, WORKER, 'controlplane', APISERVER_TYPE) == {}
    definition = _resource(fleet, CP, 'meta', 'ResourceDefinitions.meta.cosi.dev', APISERVER_TYPE.lower())
    assert yaml.safe_load(definition.spec.yaml_spec)['sensitivity'] == 'sensitive'
    _kubectl, core = kube
    pod = wait_value(lambda: _mirror_pod(core), lambda p: _condition(p, 'Ready') == 'True', 20, 'apiserver Ready')
    assert pod.metadata.annotations['talos.dev/config-version'] == '1'
    assert pod.metadata.annotations['talos.dev/secrets-version'] == '1'


def _answer(read) -> int:
    """The HTTP status of ``read()``: 200 when it succeeds."""
    try:
        read()
    except kube_client.ApiException as exc:
        assert exc.status != 503 or json.loads(exc.body)['reason'] == 'ServiceUnavailable', exc.body
        return exc.status
    return 200


def _new_apiserver_config(fleet, machine: str) -> str:
    return patch.apply_patches(_config(fleet, machine), [{'cluster': {'apiServer': {
        'image': NEW_APISERVER, 'extraArgs': {'feature-gates': 'Foo=true'}}}}])


def test_apiserver_image_apply_replaces_the_mirror_pod(fleet, kube):
    """The only kube-apiserver restarts: the endpoint answers 503 until the new one is Ready."""
    kubectl, core = kube
    before = _mirror_pod(core)
    answers: list[int] = []

    def answer() -> int:
        answers.append(_answer(lambda: core.list_namespaced_pod('kube-system')))
        return answers[-1]

    fleet.ctl('kube-start-delay', '1.0')
    try:
        _apply(fleet, CP, _new_apiserver_config(fleet, CP))
        version, spec = wait_value(lambda: _apiserver_config(fleet), lambda found: found[0] != '1', 10,
                                   'APIServerConfig updated')
        assert version == '2' and spec['image'] == NEW_APISERVER
        assert spec['extraArgs'] == {'feature-gates': {'values': ['Foo=true']}}
        wait_value(answer, lambda status: status == 503, 10, 'the API to answer 503', 0.05)
        wait_value(answer, lambda status: status == 200, 20, 'the API to answer again', 0.05)
    finally:
        fleet.ctl('kube-start-delay', '0.3')
    assert set(answers) == {200, 503}, answers
    pod = _mirror_pod(core)  # the first answer after the window already shows the new pod Ready
    assert pod.metadata.uid != before.metadata.uid and _condition(pod, 'Ready') == 'True'
    assert pod.spec.containers[0].image == NEW_APISERVER
    assert pod.metadata.annotations['talos.dev/config-version'] == '2'
    assert kubectl('get', 'pods', '-n', 'kube-system', 'kube-apiserver-' + CP).splitlines()[1].split()[1:3] == [
        '1/1', 'Running']
    # many reads later the version is still 2, and the final copy agrees with the pod
    assert {_apiserver_config(fleet)[0] for _read in range(5)} == {'2'}
    assert _apiserver_config(fleet, 'final-kube-apiserver')[0] == '2'
    others = _versions(fleet)
    assert others[('SchedulerConfigs.kubernetes.talos.dev', 'kube-scheduler')] == '1'


def _kubelet_events(fleet, machine: str) -> list[tuple[str, str]]:
    services = rpc(fleet.address(machine), fleet.tls(), MachineService.ServiceList)[0].messages[0].services
    kubelet = next(s for s in services if s.id == 'kubelet')
    return [(event.state, event.msg) for event in kubelet.events.events]


def _watch_ready(core, name: str, seen: list[str], stop: threading.Event) -> None:
    """Every Ready status the node goes through while ``stop`` is unset."""
    watcher = kube_watch.Watch()
    while not stop.is_set():
        for event in watcher.stream(core.list_node, timeout_seconds=2):
            node = event['object']
            if node.metadata.name == name:
                seen.append(_condition(node, 'Ready'))
            if stop.is_set():
                watcher.stop()
                break


def test_kubelet_image_apply_restarts_the_kubelet(fleet, kube):
    _kubectl, core = kube
    before = _kubelet_events(fleet, WORKER)
    seen: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_ready, args=(core, WORKER, seen, stop), daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)
        text = patch.apply_patches(_config(fleet, WORKER), [{'machine': {'kubelet': {'image': NEW_KUBELET}}}])
        _apply(fleet, WORKER, text)
        wait_value(lambda: core.read_node(WORKER), lambda n: _condition(n, 'Ready') == 'True' and
                   n.status.node_info.kubelet_version == 'v1.34.1', 20, 'node Ready with the new kubelet')
    finally:
        stop.set()
        watcher.join(10)
    assert 'True' in seen and seen[-1] == 'True'
    assert any(status != 'True' for status in seen), seen  # the kubelet stopped posting for a while
    events = _kubelet_events(fleet, WORKER)[len(before):]
    assert [state for state, _msg in events] == ['Finished', 'Starting', 'Preparing', 'Preparing', 'Running',
                                                 'Running'], events
    assert events[0][1] == 'Service finished successfully'
    spec = yaml.safe_load(_resource(fleet, WORKER, 'k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')
                          .spec.yaml_spec)
    assert spec['image'] == NEW_KUBELET
    services = _listed(fleet, WORKER, 'runtime', 'Services.v1alpha1.talos.dev')
    assert yaml.safe_load(services['kubelet'].spec.yaml_spec) == {'running': True, 'healthy': True, 'unknown': False}


def test_apply_without_change_changes_no_version(fleet, kube):
    _kubectl, core = kube
    versions = _versions(fleet)
    uid = _mirror_pod(core).metadata.uid
    events = _kubelet_events(fleet, CP)
    _apply(fleet, CP, _config(fleet, CP))
    time.sleep(1.0)  # a few reconcile ticks of the cluster
    assert _versions(fleet) == versions
    assert _mirror_pod(core).metadata.uid == uid
    assert _kubelet_events(fleet, CP) == events


@pytest.fixture(scope='module')
def fleet_113(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--talos-version', 'v1.13.9')


def test_talos_1_13_has_no_final_configs(fleet_113):
    listed = _listed(fleet_113, CP, 'controlplane', APISERVER_TYPE)
    assert sorted(listed) == ['kube-apiserver']
    spec = yaml.safe_load(listed['kube-apiserver'].spec.yaml_spec)
    assert 'startupProbesEnabled' not in spec and spec['extraArgs'] == {}
    scheduler = _listed(fleet_113, CP, 'controlplane', 'SchedulerConfigs.kubernetes.talos.dev')['kube-scheduler']
    assert yaml.safe_load(scheduler.spec.yaml_spec)['extraArgs'] == {}  # omitted when empty only from 1.14


@pytest.fixture(scope='module')
def fleet_3(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '3', '--bootstrap')


def test_apiserver_restart_behind_the_load_balancer_goes_unnoticed(fleet_3, tmp_path_factory):
    """One of three kube-apiservers restarts: the others answer every request, the new pod is seen starting."""
    kubectl, core = _kube_of(fleet_3, tmp_path_factory, ['talos-cp-1', 'talos-cp-2', 'talos-cp-3'])
    before = _mirror_pod(core)
    answers: list[int] = []
    readiness: list[str] = []

    def new_pod():
        answers.append(_answer(lambda: core.list_namespaced_pod('kube-system')))
        pod = _mirror_pod(core)
        if pod.metadata.uid != before.metadata.uid:
            readiness.append(_condition(pod, 'Ready'))
        return pod

    fleet_3.ctl('kube-start-delay', '2.0')
    try:
        _apply(fleet_3, CP, _new_apiserver_config(fleet_3, CP))
        wait_value(new_pod, lambda p: p.metadata.uid != before.metadata.uid, 10, 'mirror pod replaced', 0.05)
        row = wait_value(lambda: kubectl('get', 'pods', '-n', 'kube-system', 'kube-apiserver-' + CP).splitlines()[1],
                         lambda line: 'ContainerCreating' in line, 5, 'kubectl shows ContainerCreating')
        assert row.split()[1] == '0/1'
        pod = wait_value(new_pod, lambda p: _condition(p, 'Ready') == 'True', 20, 'new pod Ready', 0.05)
    finally:
        fleet_3.ctl('kube-start-delay', '0.3')
    assert set(answers) == {200}, answers
    assert readiness[0] != 'True' and readiness[-1] == 'True', readiness
    assert pod.spec.containers[0].image == NEW_APISERVER
