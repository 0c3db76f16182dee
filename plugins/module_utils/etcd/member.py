# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd membership changes with a quorum guard: remove a member, make a node leave, hand leadership over.

Each function returns the module result (``changed`` plus facts) and raises TalosError to fail.
Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, retry
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import (etcd_service, find_member, members,
                                                                            not_a_control_plane, public_member,
                                                                            removal_verdict)
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import member_health, member_node

# etcd refuses membership changes until every member has been connected for a few seconds (after a
# restart or a leadership change): nothing was changed, so waiting and asking again is safe.
UNHEALTHY = 'etcdserver: unhealthy cluster'
UNHEALTHY_RETRY_FOR = 20.0

# etcd service states that mean the node still holds etcd data (running, or restarting and failing).
_HOLDS_DATA = ('Running', 'Failed', 'Starting')


async def _guard(client: TalosClient, entries: list[dict[str, Any]], target: dict[str, Any], force: bool,
                 timeout: float, node: str | None) -> str:
    healthy = await member_health(client, entries, timeout)
    safe, message = removal_verdict(healthy, next(entry for entry in healthy if entry['id'] == target['id']))
    if not safe and not force:
        raise TalosError('%s; set force=true to do it anyway' % message, node=node)
    return message


async def remove_member(client: TalosClient, node: str | None, key: str, force: bool, check_mode: bool,
                        timeout: float) -> dict[str, Any]:
    entries = await members(client, node)
    target = find_member(entries, key)
    if target is None:
        return {'changed': False, 'member': None, 'msg': 'no etcd member %s' % key}
    message = await _guard(client, entries, target, force, timeout, node)
    if not check_mode:
        try:
            await _while_unhealthy('EtcdRemoveMemberByID', lambda: client.etcd_remove_member(target['id'], node), node)
        except TalosError as exc:
            if exc.code != 'NOT_FOUND':
                raise not_a_control_plane(exc, node) from None
            return {'changed': False, 'member': public_member(target), 'msg': 'no etcd member %s' % key}
    return {'changed': True, 'member': public_member(target), 'msg': message}


async def _while_unhealthy(what: str, call: Callable[[], Awaitable[Any]], node: str | None) -> Any:
    return await retry(what, call, lambda exc: UNHEALTHY in exc.message, Deadline(UNHEALTHY_RETRY_FOR), node,
                       lambda exc: 'etcd kept answering: %s' % exc.message)


async def _own_member(client: TalosClient, node: str | None, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    hostname = await client.hostname(node)
    for entry in entries:
        if entry['hostname'] == hostname or (node and member_node(entry) == node):
            return entry
    return None


async def leave(client: TalosClient, node: str | None, force: bool, check_mode: bool, timeout: float) -> dict[str, Any]:
    entries = await members(client, node)
    target = await _own_member(client, node, entries)
    if target is not None:
        message = await _guard(client, entries, target, force, timeout, node)
    else:
        service = await etcd_service(client, node)
        if service is None or service['state'] not in _HOLDS_DATA:
            return {'changed': False, 'member': None, 'msg': 'the node is not an etcd member'}
        message = 'the node is no etcd member but its etcd still holds data: leaving clears it'
    if not check_mode:
        try:
            await _while_unhealthy('EtcdLeaveCluster', lambda: client.etcd_leave_cluster(node), node)
        except TalosError as exc:
            raise not_a_control_plane(exc, node) from None
    return {'changed': True, 'member': public_member(target) if target else None, 'msg': message}


async def forfeit_leadership(client: TalosClient, node: str | None, check_mode: bool) -> dict[str, Any]:
    try:
        status = await client.etcd_status(node)
    except TalosError as exc:
        raise not_a_control_plane(exc, node) from None
    if status['leader'] != status['member_id']:
        return {'changed': False, 'new_leader': None, 'msg': 'the node is not the leader'}
    if check_mode:
        return {'changed': True, 'new_leader': None, 'msg': 'the node leads etcd and would hand leadership over'}
    new_leader = await client.etcd_forfeit_leadership(node)
    return {'changed': bool(new_leader), 'new_leader': new_leader or None,
            'msg': 'leadership moved to %s' % new_leader if new_leader else 'the node was no longer the leader'}
