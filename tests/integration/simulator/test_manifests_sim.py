# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's bootstrap manifests as ``talosctl upgrade-k8s`` reads and syncs them: the
``Manifests.kubernetes.talos.dev`` resources of a control plane over COSI (YAML and protobuf specs, versions
that follow the config), ManifestStatus, the objects Talos created in the cluster with server-side apply and
its inventory, then kubectl's server-side apply of a changed manifest rolling kube-proxy.

One fleet (a control plane and a worker, bootstrapped); the tests run in file order.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import tarfile

import pytest
import yaml
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from kubernetes import client as kube_client
from kubernetes import config as kube_config

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_kube_upgrade_sim import (
    CP, KUBECTL, WORKER, _apply, _config, _ready_nodes, wait_value)

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is installed by make setup')
MANIFEST_TYPE = 'Manifests.kubernetes.talos.dev'
STATUS_TYPE = 'ManifestStatuses.kubernetes.talos.dev'
NEW_PROXY = 'registry.k8s.io/kube-proxy:v1.34.1'


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--bootstrap')


@pytest.fixture(scope='module')
def kube(fleet, tmp_path_factory):
    """(kubectl runner returning the finished process, CoreV1Api), with the admin kubeconfig of the Kubeconfig
    RPC, once both nodes are Ready."""
    work = tmp_path_factory.mktemp('kubectl')
    data = b''.join(reply.bytes for reply in rpc(fleet.address(CP), fleet.tls(), MachineService.Kubeconfig))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        text = tar.extractfile('kubeconfig').read().decode()
    path = work / 'kubeconfig'
    path.write_text(text)
    env = {'HOME': str(work), 'PATH': os.environ.get('PATH', '')}

    def kubectl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([KUBECTL, '--kubeconfig', str(path), '--cache-dir', str(work / 'cache'), *args],
                              capture_output=True, text=True, env=env, timeout=60, check=False)
        assert proc.returncode == 0 or not check, proc.stdout + proc.stderr
        return proc

    core = kube_client.CoreV1Api(kube_config.new_client_from_config_dict(yaml.safe_load(text)))
    wait_value(lambda: _ready_nodes(core), lambda names: names == [CP, WORKER], 60, 'two Ready nodes', 0.3)
    return kubectl, core


def _listed(fleet, machine: str, resource_type: str) -> dict:
    request = state_pb2.ListRequest(namespace='controlplane', type=resource_type)
    return {reply.resource.metadata.id: reply.resource
            for reply in rpc(fleet.address(machine), fleet.tls(), State.List, request)}


def _fields(data: bytes) -> list[tuple[int, bytes]]:
    """The length-delimited fields of a protobuf message (all ManifestSpec has)."""
    out, position = [], 0
    while position < len(data):
        key, position = _varint(data, position)
        size, position = _varint(data, position)
        out.append((key >> 3, data[position:position + size]))
        position += size
    return out


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if not byte & 0x80:
            return value, position


def _proto_objects(proto_spec: bytes) -> list[dict]:
    """ManifestSpec.items, each SingleManifest's google.protobuf.Struct as a dict."""
    return [MessageToDict(struct_pb2.Struct.FromString(_fields(item)[0][1])) for _n, item in _fields(proto_spec)]


def _kube_proxy_image(manifest) -> str:
    daemonset = yaml.safe_load(manifest.spec.yaml_spec)[0]
    return daemonset['spec']['template']['spec']['containers'][0]['image']


def test_a_control_plane_serves_its_manifests_and_a_worker_none(fleet, kube):
    manifests = _listed(fleet, CP, MANIFEST_TYPE)
    assert sorted(manifests) == ['05-flannel', '10-kube-proxy', '11-core-dns']
    proxy = manifests['10-kube-proxy']
    assert (proxy.metadata.owner, proxy.metadata.version) == ('k8s.ManifestController', '1')
    items = yaml.safe_load(proxy.spec.yaml_spec)
    assert [(o['kind'], o['metadata']['name']) for o in items] == [('DaemonSet', 'kube-proxy')]
    assert 'status' not in items[0]
    assert _proto_objects(proxy.spec.proto_spec) == items
    assert _listed(fleet, WORKER, MANIFEST_TYPE) == {}
    status = _listed(fleet, CP, STATUS_TYPE)['manifests']
    assert yaml.safe_load(status.spec.yaml_spec) == {'manifestsApplied': ['05-flannel', '10-kube-proxy',
                                                                          '11-core-dns']}


def test_talos_created_the_objects_by_server_side_apply_with_an_inventory(fleet, kube):
    kubectl, _core = kube
    daemonset = yaml.safe_load(kubectl('get', 'daemonset', '-n', 'kube-system', 'kube-proxy', '-o', 'yaml',
                                       '--show-managed-fields').stdout)
    assert daemonset['metadata']['annotations'] == {
        'config.k8s.io/owning-inventory': 'talos-bootstrap-manifests-inventory'}
    assert [(e['manager'], e['operation']) for e in daemonset['metadata']['managedFields']] == [('talos', 'Apply')]
    inventory = yaml.safe_load(kubectl('get', 'configmap', '-n', 'kube-system', 'talos-bootstrap-manifests-inventory',
                                       '-o', 'yaml').stdout)
    assert inventory['data'] == {'kube-system_coredns_apps_Deployment': '',
                                 'kube-system_kube-flannel_apps_DaemonSet': '',
                                 'kube-system_kube-proxy_apps_DaemonSet': ''}


def test_a_new_proxy_image_changes_the_manifest_not_the_cluster(fleet, kube):
    kubectl, _core = kube
    _apply(fleet, CP, patch.apply_patches(_config(fleet, CP), [{'cluster': {'proxy': {'image': NEW_PROXY}}}]))
    proxy = wait_value(lambda: _listed(fleet, CP, MANIFEST_TYPE)['10-kube-proxy'],
                       lambda found: found.metadata.version == '2', 30, '10-kube-proxy at version 2')
    assert _kube_proxy_image(proxy) == NEW_PROXY
    assert _listed(fleet, CP, MANIFEST_TYPE)['11-core-dns'].metadata.version == '1'
    assert NEW_PROXY not in kubectl('get', 'daemonset', '-n', 'kube-system', 'kube-proxy', '-o', 'yaml').stdout


def test_server_side_apply_of_the_manifest_rolls_kube_proxy(fleet, kube, tmp_path):
    kubectl, core = kube
    path = tmp_path / 'kube-proxy.yaml'
    manifest = _listed(fleet, CP, MANIFEST_TYPE)['10-kube-proxy']
    path.write_text(yaml.safe_dump_all(yaml.safe_load(manifest.spec.yaml_spec)))
    diff = kubectl('diff', '--server-side', '--field-manager=talos', '-f', str(path), check=False)
    assert diff.returncode == 1 and '+        image: ' + NEW_PROXY in diff.stdout, diff.stdout + diff.stderr
    kubectl('apply', '--server-side', '--validate=false', '--field-manager=talos', '-f', str(path))

    def images() -> list[str]:
        pods = core.list_namespaced_pod('kube-system', label_selector='k8s-app=kube-proxy').items
        return sorted({c.image for p in pods for c in p.spec.containers})
    wait_value(images, lambda found: found == [NEW_PROXY], 60, 'kube-proxy pods on the new image', 0.3)
