# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.kubernetes_upgrade's ``manifests: true`` through the real ansible-playbook against a talos-sim
cluster (1 control plane, 1 worker, Talos v1.14, on its Kubernetes already, so only the manifests sync acts).
Talos 1.13+ applies its manifests itself (with the inventory), so the tests change objects by hand first.

What the sync did is read independently with kubectl: resourceVersions, managedFields, the inventory ConfigMap.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.talos.linux.tests.integration.kept_result_cluster import (KUBECTL, kept_result_cluster,
                                                                                   kubectl, run_kept)

pytest.importorskip('kubernetes')
pytestmark = pytest.mark.skipif(KUBECTL is None, reason='kubectl is not installed')
CURRENT = '1.33.1'  # talos-sim's default Kubernetes
INVENTORY = 'talos-bootstrap-manifests-inventory'

PLAYBOOK = '''
- name: kubernetes_upgrade manifests
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Sync the bootstrap manifests
      talos.linux.kubernetes_upgrade:
        talosconfig: "{{ talosconfig }}"
        to_version: "%s"
        manifests: true
        manifests_prune: "{{ prune | default(omit) }}"
        wait_timeout: 60
      register: synced

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ synced | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
      check_mode: false
''' % CURRENT


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    with kept_result_cluster(tmp_path_factory, 'k8s-manifests', PLAYBOOK, '--controlplanes', '1', '--workers', '1',
                             '--talos-version', 'v1.14.0') as kept:
        yield kept


def sync(cluster, check: bool = False, **options) -> dict:
    return run_kept(cluster, check, **options)


def versions(kubeconfig: str) -> dict[str, str]:
    """resourceVersion of every object in kube-system and of the namespaces."""
    listed = kubectl(kubeconfig, 'get', 'deployments,daemonsets,configmaps', '-n',
                     'kube-system')['items'] + kubectl(kubeconfig, 'get', 'namespaces')['items']
    return {'%s/%s' % (item['kind'], item['metadata']['name']): item['metadata']['resourceVersion']
            for item in listed if item['metadata']['name'] != INVENTORY}


def inventory_keys(kubeconfig: str) -> set[str]:
    return set(kubectl(kubeconfig, 'get', 'configmap', '-n', 'kube-system', INVENTORY)['data'] or {})


def test_check_mode_then_sync_then_unchanged(cluster):
    _fleet, _playbook, kubeconfig, _work = cluster
    # Talos applied its manifests itself; coredns loses its owner annotation by hand, so the sync adopts it again.
    kubectl(kubeconfig, 'annotate', 'deployment', '-n', 'kube-system', 'coredns',
            'config.k8s.io/owning-inventory-', output=False)
    before = versions(kubeconfig)

    planned = sync(cluster, check=True)
    assert planned['plan'] == []
    assert planned['changed'] is True
    actions = {(m['kind'], m['name']): m['action'] for m in planned['manifests']}
    assert actions[('Deployment', 'coredns')] == 'configured'
    assert actions[('DaemonSet', 'kube-proxy')] == 'unchanged'
    assert versions(kubeconfig) == before, 'check mode changed objects'

    applied = sync(cluster)
    assert [(m['kind'], m['name'], m['action']) for m in applied['manifests']] == \
        [(m['kind'], m['name'], m['action']) for m in planned['manifests']]
    assert applied['changed'] is True
    coredns = kubectl(kubeconfig, 'get', 'deployment', '-n', 'kube-system', 'coredns', '--show-managed-fields')
    assert 'talos' in [field['manager'] for field in coredns['metadata']['managedFields']]
    assert coredns['metadata']['annotations']['config.k8s.io/owning-inventory'] == INVENTORY
    keys = inventory_keys(kubeconfig)
    assert {'kube-system_coredns_apps_Deployment', 'kube-system_kube-proxy_apps_DaemonSet'} <= keys
    assert all(value == '' for value in
               kubectl(kubeconfig, 'get', 'configmap', '-n', 'kube-system', INVENTORY)['data'].values())

    settled = versions(kubeconfig)
    again = sync(cluster)
    assert again['changed'] is False, again['msg']
    assert {m['action'] for m in again['manifests']} == {'unchanged'}
    assert versions(kubeconfig) == settled


def test_a_gone_object_no_longer_rendered_leaves_the_inventory_unless_pruning_is_off(cluster):
    """talos-sim cannot create an arbitrary ConfigMap through kubectl yet, so the planted key names an object that
    is gone: pruning drops it from the inventory without a deletion to report (ssa/apply.go:Manager.Apply)."""
    _fleet, _playbook, kubeconfig, _work = cluster
    sync(cluster)
    kubectl(kubeconfig, 'patch', 'configmap', '-n', 'kube-system', INVENTORY, '--type', 'merge', '-p',
            json.dumps({'data': {'kube-system_stray__ConfigMap': ''}}), output=False)

    kept = sync(cluster, prune=False)
    assert 'pruned' not in {m['action'] for m in kept['manifests']}
    assert 'kube-system_stray__ConfigMap' in inventory_keys(kubeconfig)

    planned = sync(cluster, check=True)
    assert 'pruned' not in {m['action'] for m in planned['manifests']}
    assert 'kube-system_stray__ConfigMap' in inventory_keys(kubeconfig)

    pruned = sync(cluster)
    assert pruned['changed'] is True
    assert 'kube-system_stray__ConfigMap' not in inventory_keys(kubeconfig)
    assert sync(cluster)['changed'] is False
