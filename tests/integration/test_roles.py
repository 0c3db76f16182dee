# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' playbooks (playbooks/*.yml) through the real ansible-playbook against one talos-sim fleet.

One fleet of 3 control planes and 2 workers, started in maintenance mode, goes through the life the playbooks are
for, in order: bootstrap, bootstrap again (no change), etcd backup, drift on one machine and config enforcement,
rolling upgrade, a machine that stays down in the middle of a rolling upgrade (stop, then resume), an unknown image,
Kubernetes upgrade.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import (
    REPO, ansible_playbook, assert_ok, sim, start_fleet)

HOSTS = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2']


def playbook(name: str) -> str:
    return os.path.join(REPO, 'playbooks', name)


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """A maintenance fleet and a static inventory for it (cluster files in work/cluster)."""
    state = str(tmp_path_factory.mktemp('roles-fleet'))
    work = str(tmp_path_factory.mktemp('roles-files'))
    fleet = start_fleet(state, '--maintenance', '--controlplanes', '3', '--workers', '2', '--reboot-delay', '0.3')
    addresses = dict(zip(HOSTS, fleet.addresses()))
    cluster_dir = os.path.join(work, 'cluster')
    inventory = {'all': {
        'vars': {
            'ansible_connection': 'local',
            'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'talos_talosconfig': os.path.join(cluster_dir, 'talosconfig'),
            'talos_cluster_bootstrap_dir': cluster_dir,
            'talos_cluster_bootstrap_cluster_name': 'roles',
            'talos_cluster_bootstrap_talos_version': 'v1.14',
            'talos_cluster_bootstrap_kubernetes_version': '1.33.1',
            'talos_cluster_bootstrap_health_timeout': 60,
            'talos_cluster_bootstrap_apply_timeout': 60,
            'talos_cluster_bootstrap_patches': [{'machine': {'nodeLabels': {'managed-by': 'ansible'}}}],
            'talos_cluster_bootstrap_group_patches': {'worker': [{'machine': {'nodeLabels': {'role': 'worker'}}}]},
        },
        'children': {
            'controlplane': {'hosts': {h: {'talos_node': addresses[h]} for h in HOSTS[:3]}},
            'worker': {'hosts': {h: {'talos_node': addresses[h]} for h in HOSTS[3:]}},
        }}}
    inventory['all']['children']['worker']['hosts']['worker-1']['talos_cluster_bootstrap_host_patches'] = [
        {'apiVersion': 'v1alpha1', 'kind': 'HostnameConfig', 'auto': {'$patch': 'delete'}, 'hostname': 'worker-one'}]
    path = os.path.join(work, 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump(inventory, f)
    try:
        yield fleet, path, cluster_dir, addresses
    finally:
        sim('down', '--state-dir', state)


def run(name: str, inventory: str, extra_vars: dict | None = None, check: bool = False):
    return ansible_playbook(playbook(name), extra_vars, inventory=inventory, check=check)


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP counters per host."""
    found = {}
    for host, counters in re.findall(r'^(\S+)\s+: (ok=.*)$', output, re.MULTILINE):
        found[host] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', counters)}
    return found


def touched(output: str) -> set[str]:
    """Hosts with a change or a failure in the PLAY RECAP (the rolling upgrade's plan reads every host)."""
    return {host for host, counts in recap(output).items() if counts['changed'] or counts['failed']}


def task_outcomes(output: str, task: str) -> list[str]:
    """The first outcome word (ok, changed, skipping, fatal) under each run of a rolling_upgrade role task."""
    header = 'TASK [talos.linux.rolling_upgrade : %s]' % task
    return [re.search(r'^(ok|changed|skipping|fatal):', section, re.MULTILINE).group(1)
            for section in output.split(header)[1:]]


def versions(fleet) -> dict[str, str]:
    return {m['name']: m['talos_version'] for m in json.loads(fleet.ctl('status'))['machines']}


def states(fleet) -> dict[str, str]:
    return {m['name']: m['state'] for m in json.loads(fleet.ctl('status'))['machines']}


def summary(output: str) -> list[str]:
    """The config_enforce summary lines."""
    block = output[output.index('Summary of what changed where'):]
    return re.findall(r'^\s+"(.*)",?$', block[:block.index('PLAY RECAP')], re.MULTILINE)


def test_bootstrap(cluster):
    fleet, inventory, cluster_dir, _addresses = cluster
    result = run('cluster_bootstrap.yml', inventory)
    assert_ok(result)
    assert 'etcd bootstrapped on' in result.output
    assert set(states(fleet).values()) == {'running'}
    for name in ('secrets.yaml', 'controlplane.yaml', 'worker.yaml', 'talosconfig', 'kubeconfig'):
        assert os.stat(os.path.join(cluster_dir, name)).st_mode & 0o777 == 0o600, name
    hostnames = {m['name']: m['hostname'] for m in json.loads(fleet.ctl('status'))['machines']}
    assert hostnames['talos-worker-1'] == 'worker-one'  # the host patch
    assert hostnames['talos-worker-2'] == 'talos-worker-2'


def test_bootstrap_again_changes_nothing(cluster):
    _fleet, inventory, _cluster_dir, _addresses = cluster
    result = run('cluster_bootstrap.yml', inventory)
    assert_ok(result)
    assert set(recap(result.output)) == set(HOSTS)
    assert all(counts['changed'] == 0 for counts in recap(result.output).values()), result.output
    assert 'no machine was in maintenance mode; etcd already running' in result.output


def test_etcd_backup_rotation(cluster, tmp_path):
    _fleet, inventory, _cluster_dir, _addresses = cluster
    backups = str(tmp_path / 'backups')
    for attempt in range(3):
        result = run('etcd_backup.yml', inventory, {'talos_etcd_backup_dir': backups, 'talos_etcd_backup_keep': 2})
        assert_ok(result)
        # once per cluster: the directory (first run) and the snapshot, on the first host only
        assert recap(result.output)['cp-1']['changed'] == (2 if attempt == 0 else 1)
        assert recap(result.output)['cp-2']['changed'] == 0
        assert result.output.count('TASK [talos.linux.etcd_backup : Snapshot etcd]') == 1
    files = sorted(os.listdir(backups))
    per_member: dict[str, int] = {}
    for name in files:
        member = name.rsplit('-', 1)[0]
        per_member[member] = per_member.get(member, 0) + 1
    assert all(count <= 2 for count in per_member.values()), files
    assert all(os.stat(os.path.join(backups, name)).st_mode & 0o777 == 0o600 for name in files)
    assert 'rotated away: ' in result.output


def test_drift_on_one_machine(cluster):
    _fleet, inventory, cluster_dir, addresses = cluster
    assert_ok(ansible_playbook('roles_drift.yml', {
        'talosconfig': os.path.join(cluster_dir, 'talosconfig'), 'node': addresses['worker-2'],
        'src': os.path.join(cluster_dir, 'worker.yaml')}))

    checked = run('config_enforce.yml', inventory, check=True)
    assert_ok(checked)
    assert summary(checked.output) == [
        '1 of 5 hosts would change, 4 in sync, 0 failed',
        'worker-2 (%s): would change (mode no_reboot)' % addresses['worker-2']]

    enforced = run('config_enforce.yml', inventory)
    assert_ok(enforced)
    assert summary(enforced.output) == [
        '1 of 5 hosts changed, 4 in sync, 0 failed',
        'worker-2 (%s): changed (mode no_reboot)' % addresses['worker-2']]
    counts = recap(enforced.output)
    assert counts['worker-2']['changed'] == 1
    assert all(counts[host]['changed'] == 0 for host in HOSTS if host != 'worker-2')

    again = run('config_enforce.yml', inventory)
    assert_ok(again)
    assert summary(again.output) == ['0 of 5 hosts changed, 5 in sync, 0 failed']


def test_rolling_upgrade(cluster):
    fleet, inventory, _cluster_dir, _addresses = cluster
    result = run('rolling_upgrade.yml', inventory, {
        'talos_rolling_upgrade_version': 'v1.14.1', 'talos_rolling_upgrade_worker_batch': 2,
        'talos_rolling_upgrade_health_timeout': 60})
    assert_ok(result)
    assert set(versions(fleet).values()) == {'v1.14.1'}
    assert result.output.count('upgraded v1.14.0 -> v1.14.1') == 5
    # control planes one at a time, workers together: three control-plane batches, one worker batch; the gate before
    # a batch runs only for the first: each later batch starts right after the previous batch's gate passed
    assert task_outcomes(result.output, 'Health gate before the batch') == ['ok', 'skipping', 'skipping', 'skipping']
    assert task_outcomes(result.output, 'Health gate after the batch') == ['ok'] * 4

    again = run('rolling_upgrade.yml', inventory, {'talos_rolling_upgrade_version': 'v1.14.1'})
    assert_ok(again)
    assert again.output.count('already on v1.14.1, skipped') == 5
    assert all(counts['changed'] == 0 for counts in recap(again.output).values())


def test_rolling_upgrade_stops_at_a_dead_machine_and_resumes(cluster):
    fleet, inventory, _cluster_dir, addresses = cluster
    target = {'talos_rolling_upgrade_version': 'v1.14.2',
              'talos_rolling_upgrade_health_timeout': 20, 'talos_rolling_upgrade_wait_timeout': 8}
    fleet.ctl('hold', 'talos-cp-2')
    stopped = run('rolling_upgrade.yml', inventory, target)
    assert stopped.rc != 0
    assert 'Rolling upgrade stopped at cp-2 (%s)' % addresses['cp-2'] in stopped.output
    assert 'timed out after 8s waiting for the node to come back' in stopped.output
    assert versions(fleet) == {'talos-cp-1': 'v1.14.2', 'talos-cp-2': 'v1.14.2', 'talos-cp-3': 'v1.14.1',
                               'talos-worker-1': 'v1.14.1', 'talos-worker-2': 'v1.14.1'}
    assert states(fleet)['talos-cp-2'] == 'stopped'
    assert touched(stopped.output) == {'cp-1', 'cp-2'}  # the plan read every node; nobody after cp-2 was touched

    fleet.ctl('start', 'talos-cp-2')
    resumed = run('rolling_upgrade.yml', inventory, target)
    assert_ok(resumed)
    assert set(versions(fleet).values()) == {'v1.14.2'}
    assert resumed.output.count('already on v1.14.2, skipped') == 2
    assert resumed.output.count('upgraded v1.14.1 -> v1.14.2') == 3


def test_rolling_upgrade_unknown_image(cluster):
    fleet, inventory, _cluster_dir, addresses = cluster
    image = 'factory.talos.dev/metal-installer-nonexistent/%s:v1.14.3' % ('0' * 64)
    result = run('rolling_upgrade.yml', inventory, {'talos_rolling_upgrade_image': image})
    assert result.rc != 0
    assert 'Rolling upgrade stopped at cp-1 (%s)' % addresses['cp-1'] in result.output
    assert image in result.output
    assert set(versions(fleet).values()) == {'v1.14.2'}
    assert set(states(fleet).values()) == {'running'}
    assert touched(result.output) == {'cp-1'}


def kubelet_versions(cluster_dir: str) -> set[str]:
    from kubernetes import client, config
    api = client.CoreV1Api(config.new_client_from_config(config_file=os.path.join(cluster_dir, 'kubeconfig')))
    return {node.status.node_info.kubelet_version for node in api.list_node().items}


def test_kubernetes_upgrade(cluster):
    """Playbook kubernetes_upgrade.yml (the role's kubernetes entry point): plan, upgrade, nothing left, a refusal;
    playbook rolling_upgrade.yml ends with the same step."""
    _fleet, inventory, cluster_dir, addresses = cluster
    target = {'talos_rolling_upgrade_kubernetes_version': '1.34.1', 'talos_rolling_upgrade_health_timeout': 60}
    line = '{0} on {1}: registry.k8s.io/{0}:v1.33.1 -> registry.k8s.io/{0}:v1.34.1'
    steps = [line.format(component, addresses[host])
             for component in ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy')
             for host in HOSTS[:3]]
    steps.append('kube-proxy on the cluster (its DaemonSet): registry.k8s.io/kube-proxy:v1.33.1 -> '
                 'registry.k8s.io/kube-proxy:v1.34.1')
    kubelet = 'kubelet on {0}: ghcr.io/siderolabs/kubelet:v1.33.1 -> ghcr.io/siderolabs/kubelet:v1.34.1'
    steps += [kubelet.format(addresses[host]) for host in HOSTS]

    plan = ansible_playbook(playbook('kubernetes_upgrade.yml'), target, inventory=inventory, check=True,
                            env={'ANSIBLE_DIFF_ALWAYS': 'true'})  # --check --diff
    assert_ok(plan)
    assert '--- before: node %s machine configuration' % addresses['cp-1'] in plan.output
    assert '-kube-scheduler image: registry.k8s.io/kube-scheduler:v1.33.1' in plan.output
    assert '+kube-scheduler image: registry.k8s.io/kube-scheduler:v1.34.1' in plan.output
    assert '+++ after: DaemonSet kube-system/kube-proxy' in plan.output
    assert 'Kubernetes 1.33.1 -> 1.34.1: 18 image change(s) would be made' in plan.output
    assert [line for line in steps if line in plan.output] == steps
    assert kubelet_versions(cluster_dir) == {'v1.33.1'}

    result = run('kubernetes_upgrade.yml', inventory, target)
    assert_ok(result)
    assert 'Kubernetes 1.33.1 -> 1.34.1: 18 image change(s) made' in result.output
    assert [line for line in steps if line in result.output] == steps
    assert kubelet_versions(cluster_dir) == {'v1.34.1'}
    assert task_outcomes(result.output, 'Health gate after the Kubernetes upgrade') == ['ok']

    # the Talos rollout has nothing to do, and the Kubernetes step after it neither
    again = run('rolling_upgrade.yml', inventory, dict(target, talos_rolling_upgrade_version='v1.14.2'))
    assert_ok(again)
    assert 'Kubernetes 1.34.1: every component runs it already, nothing to do' in again.output
    assert task_outcomes(again.output, 'Health gate after the Kubernetes upgrade') == ['skipping']
    assert all(counts['changed'] == 0 for counts in recap(again.output).values()), again.output

    refused = run('kubernetes_upgrade.yml', inventory, dict(target, talos_rolling_upgrade_kubernetes_version='1.36.0'))
    assert refused.rc != 0
    assert 'Kubernetes upgrade to 1.36.0 stopped in step' in refused.output
    assert 'upgrade one minor at a time: 1.34 -> 1.35 -> 1.36' in refused.output
    assert kubelet_versions(cluster_dir) == {'v1.34.1'}
    assert touched(refused.output) == {'cp-1'}  # the failed task, nothing changed
