# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bootstrap's main(): once per cluster (the guard asks every control plane), wait for etcd, check mode, errors."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import bootstrap

PLANES = ['10.5.0.2', '10.5.0.3', '10.5.0.4']
BOOTSTRAP = ('bootstrap', {'node': '10.5.0.2', 'recover': False, 'skip_hash_check': False})


def _etcd_on(talos, running=(), down=(), requested=()):
    """service_list per node: every control plane has an etcd service (waiting to join), running on ``running``,
    with a bootstrap requested on ``requested``; ``down`` cannot be reached. Once the fake's Bootstrap added an
    etcd service, every node shows that one."""
    def service_list(node):
        if node in down:
            raise TalosError('connection refused', code='UNAVAILABLE', node=node)
        etcd = [entry for entry in talos.services if entry['id'] == 'etcd']
        if not etcd:
            etcd = [talos.service('etcd', 'Running' if node in running else 'Preparing', healthy=node in running)]
            if node in requested:
                etcd[0]['events'] = ['Bootstrap requested', 'Running pre state']
        return [dict(entry) for entry in talos.services if entry['id'] != 'etcd'] + etcd
    talos.reply('service_list', service_list)


@pytest.fixture(autouse=True)
def planes(talos):
    _etcd_on(talos)


def test_bootstraps_and_waits_for_etcd(run, talos):
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['changed'] is True and result['msg'] == 'etcd bootstrapped and running'
    assert (result['etcd_running_on'], result['unreachable_nodes'], result['recovered']) == ([], {}, False)
    assert talos.mutations == [BOOTSTRAP]
    assert sorted(call['node'] for call in talos.called('service_list')[:3]) == PLANES


def test_running_etcd_anywhere_means_bootstrapped(run, talos):
    _etcd_on(talos, running=['10.5.0.4'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['changed'] is False and result['etcd_running_on'] == ['10.5.0.4']
    assert result['msg'] == 'etcd already runs on 10.5.0.4: the cluster is bootstrapped'
    assert talos.mutations == []


def test_unreachable_control_plane_blocks_the_bootstrap(run, talos):
    _etcd_on(talos, down=['10.5.0.4'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES, wait=False)
    assert result['failed'] and result['node'] == '10.5.0.2'
    assert 'refusing to bootstrap' in result['msg'] and '10.5.0.4' in result['msg'] and 'force' in result['msg']
    assert talos.mutations == []


def test_force_bootstraps_with_an_unreachable_control_plane_and_lists_it(run, talos):
    _etcd_on(talos, down=['10.5.0.4'])
    talos.reply('bootstrap', None)
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES, wait=False, force=True)
    assert result['changed'] is True and list(result['unreachable_nodes']) == ['10.5.0.4']
    assert 'unreachable' not in result
    assert talos.mutations == [BOOTSTRAP]


def test_force_never_bootstraps_a_bootstrapped_cluster(run, talos):
    _etcd_on(talos, running=['10.5.0.3'], down=['10.5.0.4'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES, force=True)
    assert result['changed'] is False and result['etcd_running_on'] == ['10.5.0.3']
    assert talos.mutations == []


def test_requested_bootstrap_counts_before_etcd_runs(run, talos):
    _etcd_on(talos, requested=['10.5.0.3'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['changed'] is False and result['etcd_running_on'] == ['10.5.0.3']
    assert 'already bootstrapped on 10.5.0.3 (a bootstrap was requested (etcd Preparing))' in result['msg']
    assert talos.mutations == []


def test_discovered_control_planes_are_checked(run, talos):
    talos.resources[('cluster', 'Members.cluster.talos.dev', 'cp-9')] = {
        'addresses': ['10.5.0.9'], 'machineType': 'controlplane'}
    talos.resources[('cluster', 'Members.cluster.talos.dev', 'worker-1')] = {
        'addresses': ['10.5.0.20'], 'machineType': 'worker'}
    _etcd_on(talos, running=['10.5.0.9'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=['10.5.0.2'])
    assert result['changed'] is False and result['etcd_running_on'] == ['10.5.0.9']
    assert result['checked'] == ['10.5.0.2', '10.5.0.9']
    assert talos.mutations == []


def test_a_machine_without_etcd_is_not_a_control_plane(run, talos):
    talos.reply('service_list', [talos.service('kubelet')])
    talos.reply('etcd_members', TalosError('etcd members is only available on control plane nodes',
                                           code='UNIMPLEMENTED'))
    result = run(bootstrap, node='10.5.0.20', controlplanes=[])
    assert result['failed'] and 'not a control plane' in result['msg'] and result['grpc_code'] == 'UNIMPLEMENTED'
    assert talos.mutations == []


def test_unreachable_target_fails(run, talos):
    _etcd_on(talos, running=[], down=['10.5.0.2'])
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['failed'] and result['node'] == '10.5.0.2' and 'cannot bootstrap' in result['msg']
    assert talos.mutations == []


def test_check_mode_bootstraps_nothing(run, talos):
    result = run(bootstrap, check=True, node='10.5.0.2', controlplanes=PLANES)
    assert result['changed'] is True and result['msg'] == 'etcd would be bootstrapped'
    assert talos.mutations == []


def test_already_bootstrapped_node_is_no_change(run, talos):
    talos.reply('bootstrap', TalosError('etcd data directory is not empty', code='ALREADY_EXISTS'))
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['changed'] is False and 'bootstrapped already' in result['msg']


def test_etcd_failing_to_start_fails(run, talos):
    talos.reply('bootstrap', lambda **call: talos.add_service('etcd', 'Failed'))
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES)
    assert result['failed'] and result['node'] == '10.5.0.2' and 'etcd failed to start' in result['msg']
    assert talos.mutations == [BOOTSTRAP]


def test_missing_snapshot_fails_before_any_change(run, talos, tmp_path):
    snapshot = str(tmp_path / 'none.db')
    result = run(bootstrap, node='10.5.0.2', controlplanes=PLANES, recover_from=snapshot)
    assert result['failed'] and result['node'] == '10.5.0.2' and '%s: cannot read' % snapshot in result['msg']
    assert talos.mutations == []


def test_bad_wait_timeout_is_named(run, talos):
    result = run(bootstrap, wait_timeout='soon')
    assert result['failed'] and 'wait_timeout' in result['msg']
    assert talos.calls == []


def test_rerun_without_node_on_a_bootstrapped_cluster(run, talos):
    # Without node the target is the node behind the first endpoint, named by its address in the result.
    talos.add_service('etcd')
    result = run(bootstrap)
    assert result['changed'] is False and 'etcd already runs on' in result['msg']
    assert None not in result['etcd_running_on'] and result['etcd_running_on']
