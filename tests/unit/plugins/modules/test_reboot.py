# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""reboot's main(): one Reboot call, the wait for a new boot, the etcd quorum guard, check mode, errors, and the drain
(off by default, as talosctl's --drain) against a real Kubernetes API (see kube_cluster)."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import reboot
from ansible_collections.talos.linux.tests.unit.plugins.modules.kube_cluster import (  # noqa: F401 pylint: disable=unused-import
    kube_cluster, unschedulable)


def test_reboots_and_waits_for_the_new_boot(run, talos):
    result = run(reboot, node='10.5.0.5')
    assert result['changed'] is True and result['node'] == '10.5.0.5' and result['quorum'] is None
    assert talos.mutations == [('reboot', {'node': '10.5.0.5', 'mode': 'DEFAULT'})]
    assert (result['boot_id_before'], result['boot_id']) == ('boot-1', 'boot-2')
    assert (result['actor_id'], result['version'], result['ready']) == ('actor-reboot', 'v1.14.0', True)
    assert result['unmet_conditions'] == [] and result['duration'] >= 0
    assert result['drain'] == {'enabled': False} and talos.called('kubeconfig') == []


def test_powercycle_without_wait(run, talos):
    result = run(reboot, node='10.5.0.2', mode='powercycle', wait=False)
    assert result['node'] == '10.5.0.2' and 'boot_id' not in result
    assert talos.mutations == [('reboot', {'node': '10.5.0.2', 'mode': 'POWERCYCLE'})]


def test_check_mode_reboots_nothing(run, talos):
    result = run(reboot, check=True, node='10.5.0.5')
    assert result['changed'] is True and 'actor_id' not in result
    assert talos.mutations == []


def test_control_plane_losing_quorum_is_refused(run, talos):
    talos.machine_type = 'controlplane'
    talos.etcd_down.update(['10.5.0.3', '10.5.0.4'])
    result = run(reboot, node='10.5.0.2')
    assert result['failed'] and result['node'] == '10.5.0.2'
    assert 'refusing to reboot this control plane' in result['msg'] and 'force=true' in result['msg']
    assert talos.mutations == []


def test_force_reboots_a_control_plane_anyway(run, talos):
    talos.machine_type = 'controlplane'
    talos.etcd_down.update(['10.5.0.3', '10.5.0.4'])
    result = run(reboot, node='10.5.0.2', force=True, wait=False)
    assert result['quorum']['safe'] is False and result['quorum']['unhealthy']
    assert talos.mutations == [('reboot', {'node': '10.5.0.2', 'mode': 'DEFAULT'})]


def test_control_plane_keeping_quorum_is_rebooted(run, talos):
    talos.machine_type = 'controlplane'
    result = run(reboot, node='10.5.0.2', wait=False)
    assert result['quorum']['safe'] is True and result['quorum']['healthy_voters'] == 3
    assert [name for name, _args in talos.mutations] == ['reboot']


def test_node_not_back_in_time_fails_naming_what_it_saw(run, talos):
    talos.reply('reboot', 'actor-reboot')  # accepted, but the node never reboots
    result = run(reboot, node='10.5.0.5', wait_timeout=0.05)
    assert result['failed'] and result['grpc_code'] == 'DEADLINE_EXCEEDED' and result['node'] == '10.5.0.5'
    assert 'timed out' in result['msg'] and 'stage running' in result['msg']


def test_refused_reboot_fails_with_code(run, talos):
    talos.reply('reboot', TalosError('not authorized', code='PERMISSION_DENIED', node='10.5.0.5'))
    result = run(reboot, node='10.5.0.5')
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.5'


def test_bad_mode_is_named(run, talos):
    result = run(reboot, mode='soft')
    assert result['failed'] and 'mode' in result['msg'] and 'soft' in result['msg']
    assert talos.calls == []


def test_drain_cordons_and_evicts_before_the_reboot_and_uncordons_once_back(run, talos, kube_cluster):
    cordoned_at_reboot = []
    talos.reply('reboot', lambda node, mode: cordoned_at_reboot.append(unschedulable(kube_cluster)) or
                talos._reboot(node, mode))
    result = run(reboot, node='10.5.0.7', drain=True)
    assert result['changed'] is True and cordoned_at_reboot == [True]
    assert result['drain']['evicted'] == ['default/web-1'] and result['drain']['uncordoned'] is True
    assert not unschedulable(kube_cluster)


def test_drain_check_mode_lists_and_reboots_nothing(run, talos, kube_cluster):
    result = run(reboot, check=True, node='10.5.0.7', drain=True)
    assert result['drain']['evicted'] == ['default/web-1'] and not result['drain']['cordoned']
    assert talos.mutations == [] and not unschedulable(kube_cluster)


def test_node_not_waited_for_stays_cordoned(run, talos, kube_cluster):
    result = run(reboot, node='10.5.0.7', drain=True, wait=False)
    assert result['drain']['cordoned'] is True and result['drain']['uncordoned'] is False
    assert result['drain']['note'] == 'left cordoned: the node was not waited for (wait=false)'
    assert unschedulable(kube_cluster)


def test_uncordon_false_leaves_the_node_cordoned(run, talos, kube_cluster):
    result = run(reboot, node='10.5.0.7', drain=True, uncordon=False)
    assert result['drain']['note'] == 'left cordoned: uncordon=false' and unschedulable(kube_cluster)


def test_node_not_back_in_time_stays_cordoned(run, talos, kube_cluster):
    talos.reply('reboot', 'actor-reboot')  # accepted, but the node never reboots
    result = run(reboot, node='10.5.0.7', drain=True, wait_timeout=0.05)
    assert result['failed'] and 'timed out' in result['msg']
    assert result['drain']['cordoned'] is True and unschedulable(kube_cluster)


def test_no_node_anywhere_is_an_error_and_reboots_nothing(run, talos):
    for check in (True, False):
        result = run(reboot, check=check)
        assert result['failed'] and result['msg'].startswith("reboot needs a target: set node, the host's talos_node")
    assert talos.mutations == []


def test_an_empty_node_is_an_error_and_reboots_nothing(run, talos):
    result = run(reboot, node='')
    assert result['failed'] and result['msg'].startswith('option node is empty')
    assert talos.mutations == []
