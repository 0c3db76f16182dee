# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's kube-proxy DaemonSet rolling to a new image, through the real kubectl.

One fleet (a control plane and two workers); ``kubectl patch --type strategic`` changes the kube-proxy
container's image, the DaemonSet controller replaces one pod at a time, and ``kubectl rollout status`` waits
for it. A JSON merge patch and a fieldManager the apiserver refuses close the file.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
import time

import pytest
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import rpc, run_sim, start_sim_fleet
from ansible_collections.talos.linux.tests.integration.simulator.test_kube_cluster import KUBECTL, wait_for

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is installed by make setup')
NEW_IMAGE = 'registry.k8s.io/kube-proxy:v1.34.0'
REVISION = 'controller-revision-hash'


@pytest.fixture(scope='module')
def kubectl(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp('rollout'))
    fleet = start_sim_fleet(state_dir, '--controlplanes', '1', '--workers', '2')
    try:
        cp = fleet.address('talos-cp-1')

        def bootstrapped() -> bool:
            try:
                rpc(cp, fleet.tls(), MachineService.Bootstrap, machine_pb2.BootstrapRequest())
            except GRPCError as err:
                assert 'not available yet' in err.message, err.message
                return False
            return True
        wait_for(bootstrapped, 20, 'bootstrap accepted')
        data = b''.join(reply.bytes for reply in rpc(cp, fleet.tls(), MachineService.Kubeconfig))
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
            text = tar.extractfile('kubeconfig').read().decode()
        work = tmp_path_factory.mktemp('kubectl')
        (work / 'kubeconfig').write_text(text)
        env = {'HOME': str(work), 'PATH': os.environ.get('PATH', '')}

        def run(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
            proc = subprocess.run([KUBECTL, '--kubeconfig', str(work / 'kubeconfig'), '--cache-dir',
                                   str(work / 'cache'), *args], capture_output=True, text=True, env=env,
                                  timeout=timeout, check=False)
            if check:
                assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc
        yield run
    finally:
        run_sim('down', '--state-dir', state_dir, check=False)


def proxy_pods(kubectl) -> list[dict]:
    proc = kubectl('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'json', check=False)
    return json.loads(proc.stdout)['items'] if proc.returncode == 0 else []


def ready(pod: dict) -> bool:
    return any(c['type'] == 'Ready' and c['status'] == 'True' for c in pod['status'].get('conditions') or [])


def daemonset(kubectl) -> dict:
    return json.loads(kubectl('get', 'ds', 'kube-proxy', '-n', 'kube-system', '-o', 'json').stdout)


def test_strategic_patch_rolls_kube_proxy_one_node_at_a_time(kubectl):
    wait_for(lambda: len(proxy_pods(kubectl)) == 3 and all(ready(p) for p in proxy_pods(kubectl)), 60,
             'three ready kube-proxy pods')
    before = daemonset(kubectl)
    old_revision = {p['metadata']['labels'][REVISION] for p in proxy_pods(kubectl)}
    assert len(old_revision) == 1
    patch = json.dumps({'spec': {'template': {'spec': {'containers': [{'name': 'kube-proxy', 'image': NEW_IMAGE}]}}}})
    kubectl('patch', 'ds', 'kube-proxy', '-n', 'kube-system', '--type', 'strategic', '-p', patch)
    after = daemonset(kubectl)
    container = after['spec']['template']['spec']['containers'][0]
    assert container == dict(before['spec']['template']['spec']['containers'][0], image=NEW_IMAGE)
    assert after['metadata']['generation'] == before['metadata']['generation'] + 1

    worst = 0
    deadline = time.monotonic() + 60
    while True:  # at no moment more than one node without a ready kube-proxy
        pods = proxy_pods(kubectl)
        nodes_ready = {p['spec']['nodeName'] for p in pods if ready(p) and not p['metadata'].get('deletionTimestamp')}
        worst = max(worst, 3 - len(nodes_ready))
        if len(pods) == 3 and all(ready(p) and p['spec']['containers'][0]['image'] == NEW_IMAGE for p in pods):
            break
        assert time.monotonic() < deadline, 'rollout not finished: %s' % pods
        time.sleep(0.05)
    assert worst == 1, 'the rollout was seen replacing a pod'
    new_revision = {p['metadata']['labels'][REVISION] for p in pods}
    assert len(new_revision) == 1 and new_revision != old_revision
    status = kubectl('rollout', 'status', 'daemonset/kube-proxy', '-n', 'kube-system', '--timeout', '30s')
    assert status.stdout.strip().endswith('daemon set "kube-proxy" successfully rolled out')
    final = daemonset(kubectl)['status']
    assert (final['updatedNumberScheduled'], final['numberAvailable'], final['observedGeneration']) == \
        (3, 3, after['metadata']['generation'])


def test_rollout_status_waits_for_the_new_pods(kubectl):
    patch = json.dumps({'spec': {'template': {'spec': {'containers': [
        {'name': 'kube-proxy', 'image': 'registry.k8s.io/kube-proxy:v1.34.1'}]}}}})
    kubectl('patch', 'ds', 'kube-proxy', '-n', 'kube-system', '--type', 'strategic', '-p', patch)
    status = kubectl('rollout', 'status', 'daemonset/kube-proxy', '-n', 'kube-system', '--timeout', '60s')
    lines = status.stdout.strip().splitlines()
    assert lines[-1] == 'daemon set "kube-proxy" successfully rolled out'
    assert any(line.startswith('Waiting for daemon set "kube-proxy" rollout to finish') for line in lines[:-1])
    assert {p['spec']['containers'][0]['image'] for p in proxy_pods(kubectl)} == \
        {'registry.k8s.io/kube-proxy:v1.34.1'}


def test_merge_patch_replaces_the_containers_list(kubectl):
    """RFC 7386 knows no merge keys: the list in the patch is the new list."""
    patch = json.dumps({'spec': {'template': {'spec': {'containers': [{'name': 'kube-proxy', 'image': NEW_IMAGE}]}}}})
    kubectl('patch', 'ds', 'kube-proxy', '-n', 'kube-system', '--type', 'merge', '-p', patch)
    assert daemonset(kubectl)['spec']['template']['spec']['containers'] == [{'name': 'kube-proxy', 'image': NEW_IMAGE}]


def test_field_manager_longer_than_128_bytes_is_refused(kubectl):
    proc = kubectl('patch', 'ds', 'kube-proxy', '-n', 'kube-system', '--type', 'strategic', '-p', '{}',
                   '--field-manager', 'm' * 129, check=False)
    assert proc.returncode != 0
    # kubectl words a 422 from the Status details (kind, name, causes)
    assert proc.stderr.strip() == ('The PatchOptions "" is invalid: '
                                   'fieldManager: Too long: may not be more than 128 bytes')
