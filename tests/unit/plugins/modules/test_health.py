# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""health's main(): the API checks and Talos's server check, failures naming check and nodes, roles, options."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import health

PLANES = ['10.5.0.2', '10.5.0.3', '10.5.0.4']


def _statuses(result):
    return {check['name']: check['status'] for check in result['checks']}


def test_all_default_checks_pass(run, talos):
    result = run(health, check=True, controlplanes=PLANES, workers=['10.5.0.5'])
    assert result['healthy'] is True and result['changed'] is False and result['node_source'] == 'options'
    assert _statuses(result) == {'reachable': 'passed', 'boot_sequence': 'passed', 'etcd': 'passed',
                                 'services': 'passed', 'version': 'skipped', 'server': 'passed'}
    assert talos.called('health_check') == [{'wait_timeout': talos.called('health_check')[0]['wait_timeout'],
                                             'controlplanes': PLANES, 'workers': ['10.5.0.5'], 'node': '10.5.0.2'}]
    server = result['checks'][-1]
    assert server['talos_checks'] == [{'name': 'etcd to be healthy', 'status': 'passed', 'error': ''}]
    assert talos.mutations == []


def test_server_check_failure_names_talos_check_and_node(run, talos):
    talos.reply('health_check', ['waiting for etcd to be healthy: ...',
                                 'waiting for etcd to be healthy: etcd member 10.5.0.3 has no leader',
                                 TalosError('context deadline exceeded', code='DEADLINE_EXCEEDED')])
    result = run(health, controlplanes=PLANES, checks=['server'])
    assert result['failed'] and result['healthy'] is False
    assert (result['failed_check'], result['failed_nodes']) == ('server', ['10.5.0.3'])
    assert result['msg'].startswith('health check server failed on 10.5.0.3 after ')
    assert 'Talos check "etcd to be healthy" did not pass: etcd member 10.5.0.3 has no leader' in result['msg']


def test_unreachable_node_fails_reachable_and_stops_later_checks(run, talos):
    def version(node):
        if node == '10.5.0.4':
            raise TalosError('connection refused', code='UNAVAILABLE', node=node)
        return {'tag': 'v1.14.0'}
    talos.reply('version', version)
    result = run(health, controlplanes=PLANES, wait_timeout=0.01)
    assert result['failed'] and (result['failed_check'], result['failed_nodes']) == ('reachable', ['10.5.0.4'])
    assert _statuses(result)['etcd'] == 'not_run' and talos.called('health_check') == []


def test_reader_skips_server_check_with_the_reason(run, talos):
    talos.roles = ['os:reader']
    result = run(health, controlplanes=PLANES)
    assert result['healthy'] is True and _statuses(result)['server'] == 'skipped'
    assert 'needs the os:admin role' in result['checks'][-1]['message']
    assert talos.called('health_check') == []


def test_reader_asking_for_server_check_fails(run, talos):
    talos.roles = ['os:reader']
    result = run(health, controlplanes=PLANES, checks=['server'])
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED'
    assert 'health check server needs the os:admin role' in result['msg']


def test_unknown_check_is_named(run, talos):
    result = run(health, checks=['disk'])
    assert result['failed'] and 'checks' in result['msg'] and 'disk' in result['msg']
    assert talos.calls == []
