# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: destructive operations on the last control plane (the only etcd member) need ``force``.

One bootstrapped single-control-plane fleet for the module; every row must leave it as it was, so each reads
the node's boot ID and etcd membership back through a playbook after the refused operation.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.talos.linux.tests.faults.conftest import play, task_message
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture

pytestmark = pytest.mark.faults


@pytest.fixture(scope='module')
def single(tmp_path_factory):
    """One control plane, bootstrapped: its etcd member is the only one."""
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '0', '--bootstrap')


def defaults(fleet) -> dict:
    return {'module_defaults': {'group/talos.linux.talos': {
        'talosconfig': os.path.join(fleet.state_dir, 'talosconfig')}}}


def boot_id(fleet) -> str:
    return next(machine['boot_id'] for machine in fleet.ctl('status')['machines'] if machine['name'] == 'talos-cp-1')


def members_after(fleet, tmp_path) -> list[str]:
    """The etcd member hostnames, read back through etcd_info."""
    run = play(tmp_path / 'after', [
        {'talos.linux.etcd_info': {'node': fleet.address('talos-cp-1')}, 'register': 'info'},
        {'ansible.builtin.copy': {'content': "{{ info.members | map(attribute='hostname') | join(',') }}",
                                  'dest': str(tmp_path / 'members.txt')}}], play_options=defaults(fleet))
    assert not run.failed, run.output
    return (tmp_path / 'members.txt').read_text().split(',')


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
@pytest.mark.parametrize('graceful', [True, False], ids=['graceful', 'not-graceful'])
def test_reset_of_the_only_etcd_member_is_refused_without_force(single, tmp_path, check, graceful):
    """reset of the only etcd member is refused without force (check mode says so too), naming the node;
    the node is not reset."""
    (tmp_path / 'after').mkdir()
    node = single.address('talos-cp-1')
    before = boot_id(single)
    run = play(tmp_path, [{'talos.linux.reset': {'node': node, 'graceful': graceful, 'reboot': True}}],
               check=check, play_options=defaults(single))
    assert run.failed, run.output
    message = task_message(run.output)
    assert 'refusing to reset' in message and node in message and 'only member' in message, message
    assert 'force=true' in message
    assert boot_id(single) == before
    assert members_after(single, tmp_path) == ['talos-cp-1']


def test_reset_of_the_only_etcd_member_with_force_is_predicted_in_check_mode(single, tmp_path):
    """With force, check mode predicts the reset of the only etcd member (and changes nothing)."""
    (tmp_path / 'after').mkdir()
    node = single.address('talos-cp-1')
    before = boot_id(single)
    run = play(tmp_path, [{'talos.linux.reset': {'node': node, 'force': True}}], check=True,
               play_options=defaults(single))
    assert not run.failed and 'changed: [localhost]' in run.output, run.output
    assert boot_id(single) == before
    assert members_after(single, tmp_path) == ['talos-cp-1']


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
def test_removing_the_only_etcd_member_is_refused_without_force(single, tmp_path, check):
    """etcd_member state=absent of the only member is refused without force; the member stays."""
    (tmp_path / 'after').mkdir()
    node = single.address('talos-cp-1')
    run = play(tmp_path, [{'talos.linux.etcd_member': {'node': node, 'member': 'talos-cp-1', 'state': 'absent'}}],
               check=check, play_options=defaults(single))
    assert run.failed, run.output
    message = task_message(run.output)
    assert 'only voting etcd member' in message and 'talos-cp-1' in message, message
    assert members_after(single, tmp_path) == ['talos-cp-1']
