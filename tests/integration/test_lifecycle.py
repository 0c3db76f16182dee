# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lifecycle modules (upgrade, reboot, reset, quorum refusal, timeouts) through the real ansible-playbook."""

from __future__ import annotations

import json

import pytest

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet
from ansible_collections.talos.linux.tests.integration.simulator.conftest import SimFleet
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import boot_id as sim_boot_id
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import resource_yaml
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import version as sim_version
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import wait_until as sim_wait_until

# Image Factory's empty schematic: talos-sim's factory knows it always (installers resolve only for known ones).
SCHEMATIC = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'


def _fleet(tmp_path_factory, *args):
    state = str(tmp_path_factory.mktemp('lifecycle'))
    running = start_fleet(state, '--reboot-delay', '0.5', *args)
    yield running
    sim('down', '--state-dir', state)


@pytest.fixture(scope='module')
def fleet114(tmp_path_factory):
    """v1.14.0: two control planes (etcd quorum needs both), two workers."""
    yield from _fleet(tmp_path_factory, '--controlplanes', '2', '--workers', '2')


@pytest.fixture(scope='module')
def fleet112(tmp_path_factory):
    yield from _fleet(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--talos-version', 'v1.12.6')


def address(fleet, name):
    return fleet.machine(name)['address']


def test_upgrade_through_lifecycle_service_on_1_14(fleet114):
    assert_ok(ansible_playbook('lifecycle_upgrade.yml', {
        'talosconfig': fleet114.talosconfig, 'node': address(fleet114, 'talos-worker-1'),
        'image': 'factory.talos.dev/metal-installer/%s:v1.14.2' % SCHEMATIC, 'from_version': 'v1.14.0',
        'to_version': 'v1.14.2', 'api': 'lifecycle', 'bad_image': 'ghcr.io/example/installer:v1.14.3'}))


def test_legacy_upgrade_on_1_12(fleet112):
    assert_ok(ansible_playbook('lifecycle_upgrade.yml', {
        'talosconfig': fleet112.talosconfig, 'node': address(fleet112, 'talos-worker-1'),
        'image': 'ghcr.io/siderolabs/installer:v1.13.4', 'from_version': 'v1.12.6', 'to_version': 'v1.13.4',
        'api': 'legacy', 'bad_image': 'ghcr.io/siderolabs/installer:v1.99.0'}))


@pytest.mark.parametrize('fleet_name, expect', [
    ('fleet114', 'the installer exited with code 1; its last lines:'),
    ('fleet112', 'failed to run installer: exit code 1'),
])
def test_installer_failure(request, fleet_name, expect):
    fleet = request.getfixturevalue(fleet_name)
    version = 'v1.14.0' if fleet_name == 'fleet114' else 'v1.12.6'
    name = 'talos-worker-2' if fleet_name == 'fleet114' else 'talos-cp-1'
    fleet.ctl('fail-upgrade', name)
    assert_ok(ansible_playbook('lifecycle_upgrade_fails.yml', {
        'talosconfig': fleet.talosconfig, 'node': address(fleet, name), 'from_version': version,
        'image': 'ghcr.io/siderolabs/installer:v1.13.2', 'expect': expect, 'force': True}))


def test_reboot_gives_a_new_boot_id(fleet114):
    assert_ok(ansible_playbook('lifecycle_reboot.yml', {
        'talosconfig': fleet114.talosconfig, 'node': address(fleet114, 'talos-worker-2')}))


def test_timeout_names_what_the_node_was_last_seen_doing(fleet114):
    fleet114.ctl('hold', 'talos-worker-2')
    try:
        assert_ok(ansible_playbook('lifecycle_timeout.yml', {
            'talosconfig': fleet114.talosconfig, 'node': address(fleet114, 'talos-worker-2')}))
    finally:
        fleet114.ctl('start', 'talos-worker-2')


def test_quorum_refusal(fleet114):
    assert_ok(ansible_playbook('lifecycle_quorum.yml', {
        'talosconfig': fleet114.talosconfig, 'node': address(fleet114, 'talos-cp-1'),
        'image': 'factory.talos.dev/metal-installer/%s:v1.14.1' % SCHEMATIC}))


def test_operations_refused_while_another_runs_fail_fast(fleet114, tmp_path):
    """machined's LOCKED refusal (sequencer.go:sequenceTakeOver: neither reset nor upgrade may take over a reboot)
    through ansible-playbook: both tasks fail in seconds, not at their 120 s timeout, and the node is unchanged."""
    name = 'talos-worker-1'
    node = address(fleet114, name)
    raw = SimFleet(fleet114.state_dir, '')
    boot_before, version_before = sim_boot_id(raw, name), sim_version(node, raw.tls())
    fleet114.ctl('stall', name, '20')
    out = str(tmp_path / 'locked.json')
    assert_ok(ansible_playbook('lifecycle_locked.yml', {
        'talosconfig': fleet114.talosconfig, 'node': node, 'wait_for': 120, 'out': out,
        'image': 'factory.talos.dev/metal-installer/%s:v1.14.3' % SCHEMATIC}))
    with open(out, encoding='utf-8') as f:
        results = json.load(f)
    assert results['reset_took'] < 15 and results['upgrade_took'] < 15, results
    for task in ('reset', 'upgrade'):
        assert results[task]['failed'] and not results[task]['changed']
        assert results[task]['msg'] == ('node %s: another operation is running on %s: machined refused the %s '
                                        'sequence (sequence not started: locked); nothing was changed'
                                        % (node, node, task))
    assert results['upgrade']['new_version'] == results['upgrade']['old_version'] == version_before
    # Read back apart from the collection: the stalled reboot ends and the node boots once, configured (not reset),
    # on the same version (not upgraded).
    sim_wait_until(lambda: sim_boot_id(raw, name) not in ('', boot_before) and 'stage: running' in resource_yaml(
        node, raw.tls(), 'MachineStatuses.runtime.talos.dev', 'machine'), timeout=60)
    assert sim_version(node, raw.tls()) == version_before


@pytest.mark.parametrize('fleet_name, name', [('fleet114', 'talos-worker-1'), ('fleet112', 'talos-worker-1')])
def test_reset_back_to_maintenance(request, fleet_name, name):
    fleet = request.getfixturevalue(fleet_name)
    machines = json.loads(fleet.ctl('status'))['machines']
    version = next(machine['talos_version'] for machine in machines if machine['name'] == name)
    assert_ok(ansible_playbook('lifecycle_reset.yml', {
        'talosconfig': fleet.talosconfig, 'node': address(fleet, name), 'version': version}))


def test_reset_of_the_last_etcd_member_is_refused_or_fails_naming_etcd(fleet112):
    assert_ok(ansible_playbook('lifecycle_sequences.yml', {
        'talosconfig': fleet112.talosconfig, 'node': address(fleet112, 'talos-cp-1'),
        'image': 'ghcr.io/siderolabs/installer:v1.13.4'}))
