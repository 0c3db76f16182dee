# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling_upgrade role drains: 3 control planes + 3 workers with a workload and a PodDisruptionBudget.

Everything is real: the role through ansible-playbook, talos-sim's Kubernetes API (its budget-violation record
says whether a budget was broken at any moment, its departure record which pods were still on a node when it
went down), the official `kubernetes` client and kubectl to look at the result.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import (
    REPO, ansible_playbook, assert_ok, sim, start_fleet)

kubernetes = pytest.importorskip('kubernetes')

HOSTS = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3']
KUBECTL = shutil.which('kubectl')


@pytest.fixture(scope='module')
def rollout(tmp_path_factory):
    """A bootstrapped 3+3 v1.14.0 fleet, an inventory for it and the admin kubeconfig (through the module)."""
    state = str(tmp_path_factory.mktemp('drain-fleet'))
    work = tmp_path_factory.mktemp('drain-files')
    fleet = start_fleet(state, '--controlplanes', '3', '--workers', '3', '--bootstrap', '--talos-version', 'v1.14.0',
                        '--reboot-delay', '0.3')
    addresses = dict(zip(HOSTS, fleet.addresses()))
    inventory = {'all': {
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}',
                 'talos_talosconfig': fleet.talosconfig},
        'children': {
            'controlplane': {'hosts': {h: {'talos_node': addresses[h]} for h in HOSTS[:3]}},
            'worker': {'hosts': {h: {'talos_node': addresses[h]} for h in HOSTS[3:]}},
        }}}
    path = str(work / 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump(inventory, f)
    kubeconfig = str(work / 'kubeconfig')
    assert_ok(ansible_playbook('kubeconfig_fetch.yml', {'talosconfig': fleet.talosconfig, 'dest': kubeconfig}))
    try:
        yield fleet, path, kubeconfig, addresses
    finally:
        sim('down', '--state-dir', state)


def api(kubeconfig: str):
    client = kubernetes.config.new_client_from_config(config_file=kubeconfig)
    return kubernetes.client.CoreV1Api(client), kubernetes.client.AppsV1Api(client), \
        kubernetes.client.PolicyV1Api(client)


def rolling_upgrade(inventory: str, extra_vars: dict):
    return ansible_playbook(os.path.join(REPO, 'playbooks', 'rolling_upgrade.yml'), extra_vars, inventory=inventory)


def deploy(kubeconfig: str, name: str, replicas: int, budget: dict) -> None:
    """A Deployment of ``replicas`` pods labelled app=<name> and a PodDisruptionBudget over them."""
    _core, apps, policy = api(kubeconfig)
    labels = {'app': name}
    apps.create_namespaced_deployment('default', {
        'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': name},
        'spec': {'replicas': replicas, 'selector': {'matchLabels': labels},
                 'template': {'metadata': {'labels': labels},
                              'spec': {'containers': [{'name': 'web', 'image': 'nginx:1.27'}]}}}})
    policy.create_namespaced_pod_disruption_budget('default', {
        'apiVersion': 'policy/v1', 'kind': 'PodDisruptionBudget', 'metadata': {'name': name},
        'spec': dict(budget, selector={'matchLabels': labels})})
    wait_running(kubeconfig, name, replicas)


def pods_of(kubeconfig: str, name: str) -> list:
    core, _apps, _policy = api(kubeconfig)
    return core.list_namespaced_pod('default', label_selector='app=%s' % name).items


def wait_running(kubeconfig: str, name: str, count: int, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        pods = pods_of(kubeconfig, name)
        running = [p for p in pods if p.status.phase == 'Running' and any(
            c.type == 'Ready' and c.status == 'True' for c in p.status.conditions or [])]
        if len(running) == count or time.monotonic() > deadline:
            assert len(running) == count, [(p.metadata.name, p.spec.node_name, p.status.phase) for p in pods]
            return running
        time.sleep(0.3)


def nodenames(fleet, machine_type: str | None = None) -> list[str]:
    """Kubernetes node names: Talos's nodename, the machine's hostname."""
    return [m['hostname'] for m in json.loads(fleet.ctl('status'))['machines'] if machine_type in (None, m['type'])]


def unschedulable(kubeconfig: str) -> dict[str, bool]:
    core, _apps, _policy = api(kubeconfig)
    return {n.metadata.name: bool(n.spec.unschedulable) for n in core.list_node().items}


def test_rollout_drains_every_node_and_breaks_no_budget(rollout):
    fleet, inventory, kubeconfig, _addresses = rollout
    # Three replicas on three workers; a budget that lets one go at a time.
    deploy(kubeconfig, 'web', 3, {'minAvailable': 2})
    assert {p.spec.node_name for p in pods_of(kubeconfig, 'web')} == set(nodenames(fleet, 'worker'))

    result = rolling_upgrade(inventory, {'talos_rolling_upgrade_version': 'v1.14.1',
                                         'talos_rolling_upgrade_worker_batch': 2,
                                         'talos_rolling_upgrade_health_timeout': 60,
                                         'talos_rolling_upgrade_drain_timeout': 60})
    assert_ok(result)
    assert result.output.count('upgraded v1.14.0 -> v1.14.1') == 6
    # Each worker held a web replica (at least) when its turn came, and gave it up before its reboot.
    drained = dict(re.findall(r'"msg": "(\S+) \(.*, drained (\d+) pod\(s\)"', result.output))
    assert set(drained) == set(HOSTS), result.output
    assert all(int(drained[host]) >= 1 for host in HOSTS[3:]), drained

    # No budget was broken at any moment, and no node went down with a pod that could have left.
    violations = json.loads(fleet.ctl('kube-violations'))['violations']
    assert violations == [], violations
    departures = json.loads(fleet.ctl('kube-departures'))['departures']
    assert len(departures) == 6, departures
    for departure in departures:
        assert departure['unschedulable'] is True, departure
        assert departure['evictable_pods'] == [], departure

    wait_running(kubeconfig, 'web', 3)
    assert set(unschedulable(kubeconfig).values()) == {False}


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is installed by make setup (scripts/debian-packages.txt)')
def test_kubectl_sees_the_rolled_cluster(rollout, tmp_path):
    """kubectl, a client no one here wrote, sees every node Ready and schedulable on the new Talos."""
    fleet, _inventory, kubeconfig, _addresses = rollout
    out = subprocess.run([KUBECTL, '--kubeconfig', kubeconfig, '--cache-dir', str(tmp_path / 'cache'),
                          'get', 'nodes', '-o', 'wide', '--no-headers'], capture_output=True, text=True,
                         check=True, env=dict(os.environ, HOME=str(tmp_path))).stdout
    rows = [line.split() for line in out.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(nodenames(fleet))
    assert {row[1] for row in rows} == {'Ready'}


def test_a_budget_that_never_allows_stops_the_rollout_at_that_node(rollout):
    fleet, inventory, kubeconfig, addresses = rollout
    deploy(kubeconfig, 'db', 1, {'maxUnavailable': 0})
    (pod,) = pods_of(kubeconfig, 'db')
    stuck_node = pod.spec.node_name
    stuck = HOSTS[nodenames(fleet).index(stuck_node)]
    result = rolling_upgrade(inventory, {'talos_rolling_upgrade_version': 'v1.14.2',
                                         'talos_rolling_upgrade_health_timeout': 60,
                                         'talos_rolling_upgrade_drain_timeout': 6})
    assert result.rc != 0
    assert 'Rolling upgrade stopped at %s (%s)' % (stuck, addresses[stuck]) in result.output
    assert 'default/%s' % pod.metadata.name in result.output
    assert "Cannot evict pod as it would violate the pod's disruption budget" in result.output
    # The node that could not be drained stays cordoned and on its version; the pod never left.
    assert unschedulable(kubeconfig)[stuck_node] is True
    versions = {m['hostname']: m['talos_version'] for m in json.loads(fleet.ctl('status'))['machines']}
    assert versions[stuck_node] == 'v1.14.1'
    assert [p.metadata.name for p in wait_running(kubeconfig, 'db', 1)] == [pod.metadata.name]
    violations = json.loads(fleet.ctl('kube-violations'))['violations']
    assert violations == [], json.dumps(violations)
