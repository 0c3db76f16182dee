# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.kubernetes_upgrade through the real ansible-playbook against a talos-sim cluster of 3 control planes
and 2 workers on Talos v1.14 running Kubernetes 1.33.1 (talos-sim's default), upgraded to 1.34.2.

What the module did is looked at independently of it: kubectl for the pods and Nodes, the collection's client
for the running machine configs (before and after differ only in the image fields) and for the images each node's
containerd lists (ImageService.List) after the module's default pre-pull.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.tests.integration.kept_result_cluster import kept_result_cluster, kubectl, run_kept

pytest.importorskip('kubernetes')
TARGET = '1.34.2'
STATIC_PODS = ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')
# Where a machine config holds an image: v1alpha1 paths, and the documents of contract 1.14 (KubeletConfig ...).
IMAGE_PATHS = (('cluster', 'apiServer'), ('cluster', 'controllerManager'), ('cluster', 'scheduler'),
               ('cluster', 'proxy'), ('machine', 'kubelet'))
IMAGE_KINDS = ('KubeAPIServerConfig', 'KubeControllerManagerConfig', 'KubeSchedulerConfig', 'KubeProxyConfig',
               'KubeletConfig')
# upgrade-k8s pre-pulls through the CRI containerd: control-plane images into its CRI namespace (k8s.io), the
# kubelet into the system one (pkg/cluster/kubernetes/talos_managed.go:prePullImages @ v1.14.0-rc.1).
NAMESPACES = {'cri': 'NS_CRI', 'system': 'NS_SYSTEM'}
CONTROL_PLANE_IMAGES = {'registry.k8s.io/%s:v%s' % (component, TARGET) for component in STATIC_PODS}
KUBELET_IMAGE = 'ghcr.io/siderolabs/kubelet:v' + TARGET
# Feature gates the 1.33 -> 1.34 path removes, in the order of go-kubernetes kubernetes/upgrade/checks.go:newChecks
# @ 0caf1f2 (the findings' order).
REMOVED_GATES = ('LegacySidecarContainers', 'PodDisruptionConditions')

PLAYBOOK = '''
- name: kubernetes_upgrade
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Upgrade Kubernetes
      talos.linux.kubernetes_upgrade:
        talosconfig: "{{ talosconfig }}"
        to_version: "{{ to_version }}"
        nodes: "{{ nodes | default(omit) }}"
        pre_pull_images: "{{ pre_pull_images | default(omit) }}"
        drain: "{{ drain | default(omit) }}"
        wait_timeout: 60
      register: upgraded
      ignore_errors: true

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ upgraded | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
      check_mode: false
'''


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    with kept_result_cluster(tmp_path_factory, 'k8s-upgrade', PLAYBOOK, '--controlplanes', '3', '--workers', '2',
                             '--talos-version', 'v1.14.0', '--reboot-delay', '0.3') as kept:
        kept.fleet.ctl('kube-start-delay', '0.1')
        yield kept


def upgrade(cluster, to_version: str, check: bool = False, **options) -> dict:
    """The module's registered result (the play ignores the task's failure: it is read from the result)."""
    return run_kept(cluster, check, to_version=to_version, **options)


def running_configs(fleet) -> dict[str, str]:
    async def read() -> dict[str, str]:
        async with TalosClient(settings_from_options({'talosconfig': fleet.talosconfig})) as client:
            addresses = fleet.addresses()
            texts = await asyncio.gather(*(client.machine_config('v1alpha1', node) for node in addresses))
            return dict(zip(addresses, texts))
    return asyncio.run(read())


def apply_config(fleet, node: str, text: str) -> None:
    async def apply() -> None:
        async with TalosClient(settings_from_options({'talosconfig': fleet.talosconfig})) as client:
            await client.apply_configuration(text.encode('utf-8'), 'NO_REBOOT', node)
    asyncio.run(apply())


def with_feature_gates(text: str, gates: str) -> str:
    """The config with the API server's ``feature-gates`` argument set where it keeps its arguments: its
    KubeAPIServerConfig document when there is one (contract 1.14), else v1alpha1's ``cluster.apiServer``."""
    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    own = [doc for doc in documents if doc.get('kind') == 'KubeAPIServerConfig']
    holder = own[0] if own else next(doc for doc in documents if 'kind' not in doc)['cluster'].setdefault(
        'apiServer', {})
    holder.setdefault('extraArgs', {})['feature-gates'] = gates
    return yaml.safe_dump_all(documents, sort_keys=False)


def images_listed(fleet) -> dict[str, dict[str, set[str]]]:
    """node -> 'cri' / 'system' -> the image names the CRI containerd lists in that namespace."""
    async def read() -> dict[str, dict[str, set[str]]]:
        async with TalosClient(settings_from_options({'talosconfig': fleet.talosconfig})) as client:
            found: dict[str, dict[str, set[str]]] = {}
            for node in fleet.addresses():
                for name, namespace in NAMESPACES.items():
                    containerd = common_pb2.ContainerdInstance(
                        driver=common_pb2.ContainerDriver.Value('CRI'),
                        namespace=common_pb2.ContainerdNamespace.Value(namespace))
                    request = image_pb2.ImageServiceListRequest(containerd=containerd)
                    found.setdefault(node, {})[name] = {
                        reply.name async for reply in client.stream(ImageService.List, request, node=node)}
            return found
    return asyncio.run(read())


def wait_static_pods_ready(kubeconfig: str, timeout: float = 30.0) -> None:
    """Every control-plane pod Ready again (an apply that changes the API server's arguments replaces its pod)."""
    deadline = time.monotonic() + timeout
    while True:
        pods = [pod for pod in kubectl(kubeconfig, 'get', 'pods', '-n', 'kube-system')['items']
                if pod['metadata'].get('labels', {}).get('k8s-app') in STATIC_PODS]
        ready = [any(c['type'] == 'Ready' and c['status'] == 'True' for c in pod['status'].get('conditions', []))
                 for pod in pods]
        if len(pods) == 3 * len(STATIC_PODS) and all(ready):
            return
        assert time.monotonic() < deadline, 'the control-plane pods did not come back: %s' % pods
        time.sleep(0.2)


def wait_kubelet_healthy(fleet, node: str, timeout: float = 30.0) -> None:
    async def wait() -> None:
        async with TalosClient(settings_from_options({'talosconfig': fleet.talosconfig})) as client:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    spec = (await client.get_resource('runtime', 'Services.v1alpha1.talos.dev', 'kubelet',
                                                      node=node))['spec']
                    if spec['running'] and spec['healthy']:
                        return
                except TalosError as exc:
                    assert exc.code == 'NOT_FOUND', exc
                assert time.monotonic() < deadline, 'the kubelet of %s did not come back' % node
                await asyncio.sleep(0.2)
    asyncio.run(wait())


def without_images(text: str) -> list:
    """The config's documents with every image field (and mappings left empty by its removal) taken out."""
    def prune(value):
        if isinstance(value, dict):
            pruned = {key: prune(item) for key, item in value.items()}
            return {key: item for key, item in pruned.items() if item != {}}
        return value

    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    for doc in documents:
        if doc.get('kind') in IMAGE_KINDS:
            doc.pop('image', None)
        for path in IMAGE_PATHS:
            holder = doc
            for key in path:
                holder = holder.get(key) if isinstance(holder, dict) else None
            if isinstance(holder, dict):
                holder.pop('image', None)
    return [prune(doc) for doc in documents]


def name_of(fleet, machine_type: str, index: int) -> str:
    return [m['hostname'] for m in fleet.machines if m['type'] == machine_type][index]


def test_two_minors_up_is_refused_before_anything_changes(cluster):
    fleet = cluster[0]
    before = running_configs(fleet)
    result = upgrade(cluster, '1.35.0')
    assert result['failed'], result
    assert '1.33' in result['msg'] and '1.34' in result['msg'], result['msg']
    assert running_configs(fleet) == before


def test_unknown_node_is_refused_naming_it(cluster):
    result = upgrade(cluster, TARGET, nodes=['no-such-node'])
    assert result['failed'] and 'option nodes: no-such-node is not a node of the cluster' in result['msg'], result


def test_removed_feature_gates_block_the_upgrade_before_anything_changes(cluster):
    """A control plane whose API server still enables gates 1.34 removes: check mode and the real run both fail
    listing each gate on that node, and no machine config changes. The gates are removed again afterwards."""
    fleet, _playbook, kubeconfig, _work = cluster
    node = fleet.addresses('controlplane')[1]
    original = running_configs(fleet)
    apply_config(fleet, node, with_feature_gates(original[node], '%s=false,%s=true' % REMOVED_GATES))
    try:
        before = running_configs(fleet)
        assert before[node] != original[node]
        expected = [{'node': node, 'component': 'kube-apiserver', 'kind': 'feature-gate', 'value': gate}
                    for gate in REMOVED_GATES]
        for check in (True, False):
            result = upgrade(cluster, TARGET, check=check)
            assert result['failed'] and not result['changed'], result
            assert result['findings'] == expected, result
            assert result['plan'] == [] and result['done'] == [], result
            assert 'nothing was changed' in result['msg'] and all(
                'node %s kube-apiserver: feature-gate %s' % (node, gate) in result['msg'] for gate in REMOVED_GATES)
            assert running_configs(fleet) == before
        assert not any(images for by_namespace in images_listed(fleet).values() for images in by_namespace.values())
    finally:
        apply_config(fleet, node, original[node])
    assert running_configs(fleet) == original
    wait_static_pods_ready(kubeconfig)


def test_upgrade_check_mode_plan_nodes_limit_and_idempotence(cluster):
    fleet, _playbook, kubeconfig, _work = cluster
    before = running_configs(fleet)
    worker = name_of(fleet, 'worker', 0)
    worker_address = fleet.addresses('worker')[0]

    planned = upgrade(cluster, TARGET, check=True, nodes=[worker])
    assert planned['changed'] and not planned.get('failed'), planned
    assert planned['from_version'] == '1.33.1' and planned['to_version'] == TARGET
    assert running_configs(fleet) == before  # check mode changed nothing
    kubelets = [step['node'] for step in planned['plan'] if step['component'] == 'kubelet']
    assert kubelets == [worker_address]
    assert [step['component'] for step in planned['plan']][:9] == (
        ['kube-apiserver'] * 3 + ['kube-controller-manager'] * 3 + ['kube-scheduler'] * 3)

    assert not any(images for by_namespace in images_listed(fleet).values() for images in by_namespace.values())

    done = upgrade(cluster, TARGET, nodes=[worker])  # pre_pull_images defaults to true
    assert not done.get('failed'), done['msg']
    assert done['plan'] == planned['plan'] and done['done'] == planned['plan'] and done['remaining'] == []
    assert done['prepull_skipped'] == []
    pulled = images_listed(fleet)
    controlplanes = fleet.addresses('controlplane')
    assert {node: pulled[node]['cri'] for node in controlplanes} == dict.fromkeys(controlplanes, CONTROL_PLANE_IMAGES)
    assert {node: pulled[node]['system'] for node in pulled} == {
        node: {KUBELET_IMAGE} if node == worker_address else set() for node in pulled}  # only the kubelet upgraded
    assert not any(pulled[node]['cri'] for node in fleet.addresses('worker'))

    nodes = {n['metadata']['name']: n['status']['nodeInfo']['kubeletVersion']
             for n in kubectl(kubeconfig, 'get', 'nodes')['items']}
    assert nodes.pop(worker) == 'v' + TARGET
    assert set(nodes.values()) == {'v1.33.1'}  # the kubelets not listed in nodes are left alone

    # A kubelet that is down stops the run at its step, which names it; a second run resumes from there.
    last_worker = name_of(fleet, 'worker', 1)
    fleet.ctl('stop-service', last_worker, 'kubelet')
    stopped = upgrade(cluster, TARGET, drain=True)
    assert stopped['failed'] and stopped['changed'], stopped
    assert 'kubelet on node %s' % fleet.addresses('worker')[1] in stopped['msg'], stopped['msg']
    assert 'not upgrading an unhealthy kubelet' in stopped['msg'], stopped['msg']
    assert {step['component'] for step in stopped['plan']} == {'kubelet'} and len(stopped['plan']) == 4
    assert stopped['done'] == stopped['plan'][:3] and stopped['remaining'] == stopped['plan'][3:]
    fleet.ctl('start-service', last_worker, 'kubelet')
    wait_kubelet_healthy(fleet, fleet.addresses('worker')[1])
    rest = upgrade(cluster, TARGET, drain=True)
    assert not rest.get('failed'), rest['msg']
    assert rest['plan'] == rest['done'] == stopped['remaining']
    pulled = images_listed(fleet)
    assert {node: by_namespace['system'] for node, by_namespace in pulled.items()} == {
        node: {KUBELET_IMAGE} for node in pulled}  # every kubelet's image, pulled before its step

    pods = kubectl(kubeconfig, 'get', 'pods', '-n', 'kube-system')['items']
    by_app: dict[str, list[str]] = {}
    for pod in pods:
        app = pod['metadata'].get('labels', {}).get('k8s-app')
        if app in STATIC_PODS + ('kube-proxy',):
            by_app.setdefault(app, []).extend(c['image'] for c in pod['spec']['containers'] if c['name'] == app)
    assert {app: len(images) for app, images in by_app.items()} == {
        'kube-apiserver': 3, 'kube-controller-manager': 3, 'kube-scheduler': 3, 'kube-proxy': 5}, by_app
    assert all(image.endswith(':v' + TARGET) for images in by_app.values() for image in images), by_app
    nodes = kubectl(kubeconfig, 'get', 'nodes')['items']
    assert {n['status']['nodeInfo']['kubeletVersion'] for n in nodes} == {'v' + TARGET}
    assert all(any(c['type'] == 'Ready' and c['status'] == 'True' for c in n['status']['conditions'])
               for n in nodes)
    assert not [n['metadata']['name'] for n in nodes if n['spec'].get('unschedulable')]  # drained, then uncordoned

    after = running_configs(fleet)
    assert after != before
    assert {node: without_images(text) for node, text in after.items()} == {
        node: without_images(text) for node, text in before.items()}

    again = upgrade(cluster, TARGET)
    assert not again['changed'] and again['plan'] == [] and again['from_version'] == TARGET, again
    assert running_configs(fleet) == after
