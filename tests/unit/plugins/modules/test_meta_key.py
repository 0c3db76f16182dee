# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta_key's main(): write or delete a META key only when it differs; check mode, diff, key and error handling."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import meta_key

KEY = ('runtime', 'MetaKeys.runtime.talos.dev', '0x0a')


def test_writes_a_missing_key(run, talos):
    result = run(meta_key, key='0x0a', value='net', diff=True)
    assert result['changed'] is True
    assert result['nodes'] == [{'node': '10.5.0.2', 'changed': True, 'before': None, 'after': 'net'}]
    assert talos.mutations == [('meta_write', {'key': 10, 'value': b'net', 'node': None})]
    assert result['diff'] == [{'before_header': '10.5.0.2 META 0x0a', 'after_header': '10.5.0.2 META 0x0a',
                               'before': '', 'after': 'net\n'}]


def test_same_value_changes_nothing(run, talos):
    talos.resources[KEY] = {'value': 'net'}
    result = run(meta_key, key='10', value='net', nodes=['10.5.0.3', '10.5.0.4'])
    assert result['changed'] is False and result['diff'] == []
    assert [entry['node'] for entry in result['nodes']] == ['10.5.0.3', '10.5.0.4']
    assert talos.mutations == []


def test_absent_deletes_on_every_node(run, talos):
    talos.reply('get_resource', lambda **call: talos.resource(*KEY, {'value': 'old'}))
    result = run(meta_key, key='10', state='absent', nodes=['10.5.0.3', '10.5.0.4'])
    assert result['changed'] is True
    assert sorted(talos.mutations, key=lambda call: call[1]['node']) == [
        ('meta_delete', {'key': 10, 'node': '10.5.0.3'}), ('meta_delete', {'key': 10, 'node': '10.5.0.4'})]


def test_check_mode_predicts_and_writes_nothing(run, talos):
    talos.resources[KEY] = {'value': 'old'}
    result = run(meta_key, check=True, diff=True, key='0x0a', value='new')
    assert result['changed'] is True and result['nodes'][0]['before'] == 'old'
    assert result['diff'][0]['before'] == 'old\n' and result['diff'][0]['after'] == 'new\n'
    assert talos.mutations == []


@pytest.mark.parametrize('key, message', [
    ('256', 'key: 256 is out of range'),
    ('ten', "key: 'ten' is not a number"),
])
def test_bad_key_is_named(run, talos, key, message):
    result = run(meta_key, key=key, value='x')
    assert result['failed'] and message in result['msg']
    assert talos.calls == []


def test_present_requires_value(run, talos):
    result = run(meta_key, key='10')
    assert result['failed'] and 'value' in result['msg'] and 'state is present' in result['msg']
    assert talos.calls == []


def test_bad_state_is_named(run, talos):
    result = run(meta_key, key='10', state='gone')
    assert result['failed'] and 'state' in result['msg'] and 'gone' in result['msg']


def test_refused_write_fails_with_code_and_node(run, talos):
    talos.reply('meta_write', TalosError('not authorized', code='PERMISSION_DENIED'))
    result = run(meta_key, key='10', value='x', nodes=['10.5.0.3'])
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.3'
    assert 'not authorized' in result['msg']
