# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.kubernetes_upgrade through the real ansible-playbook on a cluster with ONE control plane (and a
worker), Talos v1.14, Kubernetes 1.33.1 upgraded to 1.34.2.

Its only kube-apiserver restarts for the new image, and until the new one is Ready nothing serves the API: the
endpoint answers 503 (talos-sim's load balancer without a ready backend). The module's waits must ride that out as
``talosctl upgrade-k8s`` does. A sampler beside the playbook shows the window was there; kubectl shows the result.
"""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.talos.linux.tests.integration.kept_result_cluster import kept_result_cluster, kubectl, run_kept
from ansible_collections.talos.linux.tests.integration.test_kubernetes_upgrade import PLAYBOOK  # the same task

kube_client = pytest.importorskip('kubernetes.client')
kube_config = pytest.importorskip('kubernetes.config')

TARGET = '1.34.2'
STATIC_PODS = ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    with kept_result_cluster(tmp_path_factory, 'k8s-upgrade-single', PLAYBOOK, '--controlplanes', '1',
                             '--workers', '1', '--talos-version', 'v1.14.0') as kept:
        kept.fleet.ctl('kube-start-delay', '1.0')  # the API's outage lasts as long as its new pod takes to start
        yield kept


class Sampler:
    """The HTTP status of a node list every few hundredths of a second, in a thread, until stopped."""

    def __init__(self, kubeconfig: str) -> None:
        self.core = kube_client.CoreV1Api(kube_config.new_client_from_config(config_file=kubeconfig))
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.core.list_node(_request_timeout=5)
                self.statuses.append(200)
            except kube_client.ApiException as exc:
                self.statuses.append(exc.status)
            time.sleep(0.05)

    def __enter__(self) -> 'Sampler':
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(10)


def test_upgrade_rides_out_the_only_api_server_restarting(cluster):
    fleet, _playbook, kubeconfig, _work = cluster
    with Sampler(kubeconfig) as sampler:
        result = run_kept(cluster, to_version=TARGET)
    assert 503 in sampler.statuses, sampler.statuses  # the API was away while the module waited
    assert not result.get('failed'), result['msg']
    assert result['changed'] and result['from_version'] == '1.33.1' and result['to_version'] == TARGET
    assert result['done'] == result['plan'] and result['remaining'] == []
    # kube-proxy in the control plane's config, then in the DaemonSet; the kubelets last (plan.py)
    assert [step['component'] for step in result['plan']] == list(STATIC_PODS) + ['kube-proxy'] * 2 + ['kubelet'] * 2

    nodes = kubectl(kubeconfig, 'get', 'nodes')['items']
    assert {n['status']['nodeInfo']['kubeletVersion'] for n in nodes} == {'v' + TARGET}
    assert all(c['status'] == 'True' for n in nodes for c in n['status']['conditions'] if c['type'] == 'Ready')
    assert len(nodes) == len(fleet.addresses())
    pods = kubectl(kubeconfig, 'get', 'pods', '-n', 'kube-system')['items']
    images = {}
    for pod in pods:
        app = pod['metadata'].get('labels', {}).get('k8s-app')
        if app in STATIC_PODS + ('kube-proxy',):
            images.setdefault(app, set()).update(c['image'] for c in pod['spec']['containers'])
            assert any(c['type'] == 'Ready' and c['status'] == 'True' for c in pod['status']['conditions']), pod
    assert images == {app: {'registry.k8s.io/%s:v%s' % (app, TARGET)} for app in STATIC_PODS + ('kube-proxy',)}
