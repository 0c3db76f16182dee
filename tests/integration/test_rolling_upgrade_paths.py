# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/rolling_upgrade.yml beyond one version: hops, staged reboots and pre-pulls, through ansible-playbook.

Small fleets (1 control plane, 2 workers) of talos-sim, each with its Image Factory (HTTPS, its own CA): a 1.12
fleet rolled to 1.15 in two hops (1.15 installs only on 1.13.0 or newer), and a 1.13 fleet that gets a pre-pulled
rollout and then a staged one. Versions are read back from talos-sim itself (`ctl status`), drains from its
Kubernetes (`ctl kube-departures`).
"""

from __future__ import annotations

import json
import os
import re

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import (
    REPO, ansible_playbook, assert_ok, sim, start_fleet)

HOSTS = ['cp-1', 'worker-1', 'worker-2']
MACHINES = ['talos-cp-1', 'talos-worker-1', 'talos-worker-2']


def _fleet(tmp_path_factory, version: str):
    """A bootstrapped 1+2 fleet on ``version``, an inventory for it and the variables that reach its factory."""
    state = str(tmp_path_factory.mktemp('paths-fleet'))
    fleet = start_fleet(state, '--controlplanes', '1', '--workers', '2', '--bootstrap', '--talos-version', version,
                        '--reboot-delay', '0.2')
    addresses = dict(zip(HOSTS, fleet.addresses()))
    inventory = {'all': {
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}',
                 'talos_talosconfig': fleet.talosconfig},
        'children': {
            'controlplane': {'hosts': {'cp-1': {'talos_node': addresses['cp-1']}}},
            'worker': {'hosts': {h: {'talos_node': addresses[h]} for h in HOSTS[1:]}},
        }}}
    path = os.path.join(state, 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump(inventory, f)
    with open(os.path.join(state, 'cluster.json'), encoding='utf-8') as f:
        factory = json.load(f)['image_factory']
    factory_vars = {'talos_rolling_upgrade_factory_url': factory['url'],
                    'talos_rolling_upgrade_factory_ca_path': factory['ca'],
                    'talos_rolling_upgrade_health_timeout': 60}
    return state, fleet, path, addresses, factory_vars


def _running_fleet(tmp_path_factory, version: str):
    """``_fleet`` for the module's tests, taken down afterwards."""
    state, *rest = _fleet(tmp_path_factory, version)
    try:
        yield rest
    finally:
        sim('down', '--state-dir', state)


@pytest.fixture(scope='module')
def fleet_1_12(tmp_path_factory):
    yield from _running_fleet(tmp_path_factory, 'v1.12.4')


@pytest.fixture(scope='module')
def fleet_1_13(tmp_path_factory):
    yield from _running_fleet(tmp_path_factory, 'v1.13.4')


def rolling_upgrade(inventory: str, extra_vars: dict, check: bool = False):
    return ansible_playbook(os.path.join(REPO, 'playbooks', 'rolling_upgrade.yml'), extra_vars, inventory=inventory,
                            check=check)


def machines(fleet) -> dict[str, dict]:
    return {m['name']: m for m in json.loads(fleet.ctl('status'))['machines']}


def versions(fleet) -> dict[str, str]:
    return {name: m['talos_version'] for name, m in machines(fleet).items()}


def reports(output: str) -> dict[str, list[str]]:
    """The role's one-line reports, per host, in order."""
    found: dict[str, list[str]] = {}
    for host, text in re.findall(r'"msg": "(\S+) \(\S+\): (.*)"$', output, re.MULTILINE):
        found.setdefault(host, []).append(text)
    return found


def test_plan_from_1_12_to_1_15_in_check_mode_changes_nothing(fleet_1_12):
    fleet, inventory, addresses, factory = fleet_1_12
    before = machines(fleet)
    result = rolling_upgrade(inventory, dict(factory, talos_rolling_upgrade_version='v1.15.0'), check=True)
    assert_ok(result)
    assert 'plan: v1.12.4 -> v1.13.9 -> v1.15.0 (2 hops, versions from %s)' % factory[
        'talos_rolling_upgrade_factory_url'] in result.output
    for host in HOSTS:
        assert '%s (%s): v1.12.4 -> v1.13.9 -> v1.15.0' % (host, addresses[host]) in result.output
        first, second = reports(result.output)[host]
        assert first.startswith('hop 1 (v1.13.9): would be upgraded from v1.12.4 with '), first
        assert second == 'hop 2 (v1.15.0): would go on to it from v1.13.9 (its installer is picked once the node ' \
                         'runs v1.13.9)', second
    after = machines(fleet)
    assert {n: (m['talos_version'], m['boot_id']) for n, m in after.items()} == \
        {n: (m['talos_version'], m['boot_id']) for n, m in before.items()}


def test_1_12_fleet_rolls_to_1_15_in_two_hops(fleet_1_12):
    fleet, inventory, _addresses, factory = fleet_1_12
    result = rolling_upgrade(inventory, dict(factory, talos_rolling_upgrade_version='v1.15.0'))
    assert_ok(result)
    assert versions(fleet) == dict.fromkeys(MACHINES, 'v1.15.0')
    for host in HOSTS:
        first, second = reports(result.output)[host]
        assert first.startswith('hop 1 (v1.13.9): upgraded v1.12.4 -> v1.13.9 in '), first
        assert second.startswith('hop 2 (v1.15.0): upgraded v1.13.9 -> v1.15.0 in '), second
    # Control plane before the workers in each hop, and the whole first hop before the second.
    order = re.findall(r'"msg": "(\S+) \(\S+\): hop (\d)', result.output)
    assert order == [('cp-1', '1'), ('worker-1', '1'), ('worker-2', '1'),
                     ('cp-1', '2'), ('worker-1', '2'), ('worker-2', '2')]

    again = rolling_upgrade(inventory, dict(factory, talos_rolling_upgrade_version='v1.15.0'))
    assert_ok(again)
    assert 'plan: v1.15.0 -> v1.15.0 (1 hop)' in again.output
    assert again.output.count('already on v1.15.0, skipped') == 3


def test_more_hops_than_the_playbook_rolls_out_are_refused(fleet_1_12):
    fleet, inventory, _addresses, factory = fleet_1_12
    before = versions(fleet)
    result = rolling_upgrade(inventory, dict(factory, talos_rolling_upgrade_version='v1.15.0',
                                             talos_rolling_upgrade_max_hops=1,
                                             talos_rolling_upgrade_hops=['v1.14.3']))
    assert result.rc != 0
    assert 'reaching v1.15.0 takes 2 hops (v1.14.3 -> v1.15.0), more than the 1 this playbook rolls out in one ' \
           'run: upgrade to v1.14.3 first, then run it again' in result.output
    assert versions(fleet) == before


def test_prepull_the_next_node_while_one_reboots(fleet_1_13):
    fleet, inventory, addresses, factory = fleet_1_13
    result = rolling_upgrade(inventory, dict(factory, talos_rolling_upgrade_version='v1.14.1'))
    assert_ok(result)
    assert versions(fleet) == dict.fromkeys(MACHINES, 'v1.14.1')
    found = reports(result.output)
    # worker-1 and worker-2 are two batches of one play: worker-2 pulled its installer while worker-1 rebooted.
    # cp-1 is the last of its play, so nobody pulled for it and it pulled for nobody.
    (worker_1,) = found['worker-1']
    prepulled = re.search(r', pre-pulled (\S+) on ([^,\s]+)', worker_1)
    assert prepulled and prepulled.group(2) == addresses['worker-2'], worker_1
    assert prepulled.group(1).endswith(':v1.14.1') or '@sha256:' in prepulled.group(1), prepulled.group(1)
    assert 'pre-pulled' not in found['cp-1'][0] and 'pre-pulled' not in found['worker-2'][0]


def test_staged_then_rebooted(fleet_1_13):
    fleet, inventory, _addresses, factory = fleet_1_13
    target = dict(factory, talos_rolling_upgrade_version='v1.15.0', talos_rolling_upgrade_staged=True)
    before = machines(fleet)
    staged = ansible_playbook('rolling_upgrade_stage_only.yml', target, inventory=inventory)
    assert_ok(staged)
    # Installed everywhere, booted nowhere: same version, same boot.
    assert {n: (m['talos_version'], m['boot_id']) for n, m in machines(fleet).items()} == \
        {n: (m['talos_version'], m['boot_id']) for n, m in before.items()}
    assert staged.output.count('still runs v1.14.1 until its reboot') == 3

    departures = len(json.loads(fleet.ctl('kube-departures'))['departures'])
    result = rolling_upgrade(inventory, target)
    assert_ok(result)
    assert versions(fleet) == dict.fromkeys(MACHINES, 'v1.15.0')
    assert result.output.count('rebooted into the staged v1.15.0 (was v1.14.1)') == 3
    # Each node was cordoned and drained before its reboot, and nobody is left cordoned.
    new = json.loads(fleet.ctl('kube-departures'))['departures'][departures:]
    assert len(new) == 3, new
    assert all(d['unschedulable'] is True and d['evictable_pods'] == [] for d in new), new
