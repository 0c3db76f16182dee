# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_info's main(): what each node says, unreachable nodes reported or failing, other errors failing."""

from __future__ import annotations

from ansible.module_utils import basic

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import node_info

DOWN = '10.5.0.9'


def _down_node(node, **_arguments):
    if node == DOWN:
        raise TalosError('connection refused', code='UNAVAILABLE', node=node)
    return {'tag': 'v1.14.0', 'sha': 'f00dfeed', 'arch': 'amd64', 'platform': {'name': 'metal', 'mode': 'metal'}}


def test_reports_the_node_behind_the_endpoint(run, talos):
    result = run(node_info)
    assert result['changed'] is False and result['unreachable_nodes'] == []
    assert result['nodes'] == [{
        'node': '10.5.0.2', 'reachable': True, 'error': None, 'version': 'v1.14.0', 'sha': 'f00dfeed',
        'arch': 'amd64', 'platform': 'metal', 'stage': 'running', 'ready': True, 'unmet_conditions': [],
        'machine_type': 'worker', 'hostname': 'talos-1', 'maintenance': False, 'boot_id': 'boot-1'}]
    assert set(result['client_certificate']) >= {'not_after', 'not_before', 'days_left', 'source'}
    assert talos.mutations == []


def test_each_node_asked_in_order(run, talos):
    result = run(node_info, nodes=['10.5.0.4', '10.5.0.3'])
    assert [entry['node'] for entry in result['nodes']] == ['10.5.0.4', '10.5.0.3']
    assert sorted(call['node'] for call in talos.called('version')) == ['10.5.0.3', '10.5.0.4']


def test_unreachable_node_is_reported(run, talos):
    talos.reply('version', _down_node)
    result = run(node_info, nodes=['10.5.0.3', DOWN])
    assert result['unreachable_nodes'] == [DOWN] and 'failed' not in result
    down = result['nodes'][1]
    assert (down['reachable'], down['grpc_code'], down['version']) == (False, 'UNAVAILABLE', None)
    assert 'connection refused' in down['error']


def test_unreachable_node_fails_with_fail_on_unreachable(run, talos):
    talos.reply('version', _down_node)
    result = run(node_info, nodes=['10.5.0.3', DOWN], fail_on_unreachable=True)
    assert result['failed'] and result['grpc_code'] == 'UNAVAILABLE' and result['node'] == DOWN
    assert 'connection refused' in result['msg']


def test_refused_call_fails_even_without_fail_on_unreachable(run, talos):
    talos.reply('version', TalosError('bad certificate', code='UNAUTHENTICATED', node='10.5.0.2'))
    result = run(node_info)
    assert result['failed'] and result['grpc_code'] == 'UNAUTHENTICATED' and result['node'] == '10.5.0.2'
    assert 'bad certificate' in result['msg']


def test_bad_option_type_is_named(run, talos):
    result = run(node_info, fail_on_unreachable='perhaps')
    assert result['failed'] and 'fail_on_unreachable' in result['msg']
    assert talos.calls == []


def test_unknown_option_is_named(run, talos):
    result = run(node_info, node='10.5.0.3')
    assert result['failed'] and 'node' in result['msg'] and 'Unsupported parameters' in result['msg']
    assert talos.calls == []


def test_no_node_answering_fails_naming_the_endpoint(run, talos):
    talos.reply('version', _down_node)
    result = run(node_info, nodes=[DOWN])
    assert result['failed'] and result['grpc_code'] == 'UNAVAILABLE'
    assert result['msg'].startswith('no node answered through endpoints 10.5.0.2 (nodes: %s)' % DOWN)
    assert [entry['reachable'] for entry in result['nodes']] == [False]


def test_no_node_answering_an_insecure_probe_warns(run, talos, monkeypatch):
    warned = []

    def warn(_module, warning):
        warned.append(warning)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', warn)
    talos.reply('version', _down_node)
    result = run(node_info, nodes=[DOWN], insecure=True, talosconfig=None)
    assert 'failed' not in result and result['unreachable_nodes'] == [DOWN]
    assert warned == ['no node answered an insecure call (%s); a configured node refuses them' % DOWN]
