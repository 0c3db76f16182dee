# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_member's main(): remove a member, leave, forfeit leadership; the quorum guard, check mode, errors."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import etcd_member


def test_removes_a_member_keeping_quorum(run, talos):
    result = run(etcd_member, state='absent', member='10.5.0.4')
    assert result['changed'] is True and result['member']['id'] == '0000000000000003'
    assert result['msg'].startswith('removing 10.5.0.4 keeps etcd quorum')
    assert talos.mutations == [('etcd_remove_member', {'member_id': 3, 'node': None})]


def test_member_by_id(run, talos):
    result = run(etcd_member, state='absent', member='0x2')
    assert result['member']['node'] == '10.5.0.3'
    assert talos.mutations == [('etcd_remove_member', {'member_id': 2, 'node': None})]


def test_unknown_member_changes_nothing(run, talos):
    result = run(etcd_member, state='absent', member='10.5.0.9')
    assert result['changed'] is False and result['member'] is None and result['msg'] == 'no etcd member 10.5.0.9'
    assert talos.mutations == []


def test_check_mode_removes_nothing(run, talos):
    result = run(etcd_member, check=True, state='absent', member='10.5.0.4')
    assert result['changed'] is True and result['member']['hostname'] == '10.5.0.4'
    assert talos.mutations == []


def test_removal_losing_quorum_is_refused_unless_forced(run, talos):
    talos.etcd_down.add('10.5.0.3')
    result = run(etcd_member, state='absent', member='10.5.0.4')
    assert result['failed'] and 'would lose etcd quorum' in result['msg'] and 'force=true' in result['msg']
    assert talos.mutations == []
    assert run(etcd_member, state='absent', member='10.5.0.4', force=True)['changed'] is True
    assert talos.mutations == [('etcd_remove_member', {'member_id': 3, 'node': None})]


def test_leave_makes_the_node_leave(run, talos):
    result = run(etcd_member, node='10.5.0.4', leave=True)
    assert result['changed'] is True and result['member']['node'] == '10.5.0.4'
    assert talos.mutations == [('etcd_leave_cluster', {'node': '10.5.0.4'})]


def test_forfeit_leadership_of_the_leader(run, talos):
    result = run(etcd_member, node='10.5.0.2', forfeit_leadership=True)
    assert result == dict(result, changed=True, new_leader='10.5.0.3', msg='leadership moved to 10.5.0.3')
    assert talos.mutations == [('etcd_forfeit_leadership', {'node': '10.5.0.2'})]


def test_forfeit_leadership_of_a_follower_changes_nothing(run, talos):
    result = run(etcd_member, node='10.5.0.3', forfeit_leadership=True)
    assert result['changed'] is False and result['msg'] == 'the node is not the leader'
    assert talos.mutations == []


@pytest.mark.parametrize('args, got', [
    ({}, 'none'),
    ({'leave': True, 'forfeit_leadership': True}, 'leave, forfeit_leadership'),
])
def test_exactly_one_action(run, talos, args, got):
    result = run(etcd_member, **args)
    assert result['failed'] and result['msg'] == ('set exactly one of state=absent, leave=true, '
                                                  'forfeit_leadership=true (got %s)' % got)
    assert talos.calls == []


def test_absent_needs_member(run, talos):
    result = run(etcd_member, state='absent')
    assert result['failed'] and 'member' in result['msg']


def test_worker_is_named_not_a_control_plane(run, talos):
    talos.reply('etcd_members', TalosError('method not implemented', code='UNIMPLEMENTED'))
    result = run(etcd_member, node='10.5.0.5', state='absent', member='10.5.0.4')
    assert result['failed'] and result['grpc_code'] == 'UNIMPLEMENTED' and result['node'] == '10.5.0.5'
    assert 'not a control plane' in result['msg']
