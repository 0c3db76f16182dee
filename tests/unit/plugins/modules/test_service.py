# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""service's main(): act only when the service is not in the state asked, wait, check mode, diff, errors."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import service


def test_restart_restarts_and_waits(run, talos):
    result = run(service, node='10.5.0.5', name='kubelet', state='restarted', diff=True)
    assert result['changed'] is True and result['response'] == 'Service "kubelet" restarted'
    assert talos.mutations == [('service_restart', {'service_id': 'kubelet', 'node': '10.5.0.5'})]
    assert talos.called('watch')[0]['resource_id'] == 'kubelet'
    assert result['state_before'] == 'Running' and result['service']['state'] == 'Running'
    assert result['diff'] == {'before': 'state: Running\n', 'after': 'state: Running\n'}


def test_started_service_is_left_alone(run, talos):
    result = run(service, name='kubelet', state='started')
    assert result['changed'] is False and result['response'] is None
    assert talos.mutations == []


def test_stop_with_alias_and_no_wait(run, talos):
    talos.add_service('ext-iscsid')
    result = run(service, service='ext-iscsid', state='stopped', wait=False)
    assert result['changed'] is True and result['service']['state'] == 'Finished'
    assert talos.mutations == [('service_stop', {'service_id': 'ext-iscsid', 'node': None})]
    assert talos.called('watch') == []


def test_check_mode_predicts_the_state_and_changes_nothing(run, talos):
    talos.add_service('ext-iscsid', 'Finished')
    result = run(service, check=True, diff=True, name='ext-iscsid', state='started')
    assert result['changed'] is True and result['service']['state'] == 'Finished'
    assert result['diff'] == {'before': 'state: Finished\n', 'after': 'state: Running\n'}
    assert talos.mutations == []


def test_unknown_service_fails_naming_the_known_ones(run, talos):
    result = run(service, name='nginx', state='started')
    assert result['failed'] and result['grpc_code'] == 'NOT_FOUND'
    assert "service 'nginx' is not defined" in result['msg'] and 'apid, kubelet, machined' in result['msg']


def test_talos_refusal_fails_with_its_message(run, talos):
    talos.reply('service_stop', TalosError("service apid doesn't support stop operation via API",
                                           code='FAILED_PRECONDITION', node='10.5.0.5'))
    result = run(service, node='10.5.0.5', name='apid', state='stopped')
    assert result['failed'] and result['grpc_code'] == 'FAILED_PRECONDITION' and result['node'] == '10.5.0.5'
    assert "doesn't support stop operation" in result['msg']


def test_state_is_required_and_checked(run, talos):
    assert 'state' in run(service, name='kubelet')['msg']
    result = run(service, name='kubelet', state='paused')
    assert result['failed'] and 'paused' in result['msg']
    assert talos.calls == []


def test_check_mode_predicts_talos_refusing_to_stop_kubelet(run, talos):
    result = run(service, check=True, node='10.5.0.5', name='kubelet', state='stopped')
    assert result['failed'] and 'service "kubelet" doesn\'t support stop operation via API' in result['msg']
    assert result['node'] == '10.5.0.5' and talos.mutations == []


def test_check_mode_allows_what_talos_allows(run, talos):
    talos.add_service('ext-iscsid')
    assert run(service, check=True, name='ext-iscsid', state='stopped')['changed'] is True
    assert run(service, check=True, name='kubelet', state='restarted')['changed'] is True
    assert talos.mutations == []


def test_an_empty_node_is_an_error_naming_the_option(run, talos):
    result = run(service, node='', name='kubelet', state='restarted')
    assert result['failed'] and result['msg'].startswith('option node is empty')
    assert talos.calls == []
