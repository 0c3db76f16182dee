# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd operations over the Talos API, as the etcd_* modules and bootstrap use them.

Member IDs are shown as talosctl shows them: 16 lowercase hex digits. Private module: free to change.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import (member_health, member_label, member_node,
                                                                              quorum_size)

ETCD_SERVICE = 'etcd'


def format_member_id(member_id: int) -> str:
    return '%016x' % member_id


def parse_member_id(text: str) -> int | None:
    """A member ID as talosctl prints it (hex, optional 0x); None when ``text`` is not one."""
    value = text.strip().lower()
    if value.startswith('0x'):
        value = value[2:]
    if not value or len(value) > 16 or any(ch not in '0123456789abcdef' for ch in value):
        return None
    return int(value, 16)


def not_a_control_plane(exc: TalosError, node: str | None) -> TalosError:
    """Talos answers UNIMPLEMENTED for etcd calls on a machine that is not a control plane."""
    if exc.code == 'UNIMPLEMENTED':
        return TalosError('not a control plane (etcd runs only on control planes)', code=exc.code,
                          node=exc.node or node, endpoint=exc.endpoint)
    return exc


async def members(client: TalosClient, node: str | None) -> list[dict[str, Any]]:
    try:
        return await client.etcd_members(node)
    except TalosError as exc:
        raise not_a_control_plane(exc, node) from None


def find_member(entries: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The member named ``key``: hostname, node address (client/peer URL host) or member ID."""
    member_id = parse_member_id(key)
    for entry in entries:
        if key in (entry['hostname'], member_node(entry)):
            return entry
    for entry in entries:
        if member_id is not None and entry['id'] == member_id:
            return entry
    return None


def public_member(entry: dict[str, Any]) -> dict[str, Any]:
    out = {'id': format_member_id(entry['id']), 'hostname': entry['hostname'], 'node': member_node(entry),
           'peer_urls': entry['peer_urls'], 'client_urls': entry['client_urls'], 'learner': entry['learner']}
    for key in ('healthy', 'error', 'status'):
        if key in entry:
            out[key] = entry[key]
    return out


async def _status(client: TalosClient, node: str, timeout: float) -> dict[str, Any] | TalosError:
    try:
        return await client.etcd_status(node, timeout=timeout)
    except TalosError as exc:
        return exc


async def cluster_info(client: TalosClient, node: str | None, status_timeout: float = 5.0) -> dict[str, Any]:
    """Members with their status and health, alarms, leader and a quorum summary."""
    entries = await members(client, node)
    healthy = await member_health(client, entries, status_timeout)
    statuses = await asyncio.gather(*(_status(client, entry['node'], status_timeout) for entry in healthy))
    leader_id = 0
    for entry, status in zip(healthy, statuses):
        if isinstance(status, TalosError):
            entry['status'] = None
            continue
        entry['status'] = {
            'leader': status['leader'] == status['member_id'] and status['leader'] != 0,
            'db_size': status['db_size'], 'db_size_in_use': status['db_size_in_use'],
            'raft_index': status['raft_index'], 'raft_term': status['raft_term'],
            'raft_applied_index': status['raft_applied_index'], 'errors': status['errors'],
            'protocol_version': status['protocol_version'], 'storage_version': status['storage_version'],
        }
        leader_id = leader_id or status['leader']
    try:
        alarms = await client.etcd_alarms(node)
    except TalosError as exc:
        alarms_error: str | None = str(exc)
        alarms = []
    else:
        alarms_error = None
    voters = [entry for entry in healthy if not entry['learner']]
    up = [entry for entry in voters if entry['healthy']]
    quorum = quorum_size(len(voters))
    names = {entry['id']: entry['hostname'] for entry in entries}
    leader = next((entry for entry in healthy if entry['id'] == leader_id), None)
    return {
        'members': [public_member(entry) for entry in healthy],
        'leader': leader['hostname'] if leader else None,
        'alarms': [{'member_id': format_member_id(alarm['member_id']), 'member': names.get(alarm['member_id']),
                    'alarm': alarm['alarm']} for alarm in alarms],
        'alarms_error': alarms_error,
        'quorum': {
            'healthy': len(up) >= quorum and bool(voters),
            'members_up': len(up),
            'members_total': len(voters),
            'learners': len(healthy) - len(voters),
            'quorum': quorum,
            'tolerance': max(0, len(up) - quorum),
            'may_lose_one': len(up) - 1 >= quorum,
            'unhealthy': [member_label(entry) for entry in voters if not entry['healthy']],
        },
    }


def removal_verdict(entries: list[dict[str, Any]], target: dict[str, Any]) -> tuple[bool, str]:
    """Whether removing ``target`` from the membership keeps quorum (entries carry ``healthy``)."""
    voters = [entry for entry in entries if not entry['learner']]
    if target['learner']:
        return True, '%s is a learner and does not vote' % member_label(target)
    if len(voters) == 1:
        return False, '%s is the only voting etcd member: removing it destroys the cluster' % member_label(target)
    remaining = [entry for entry in voters if entry['id'] != target['id']]
    healthy = [entry for entry in remaining if entry['healthy']]
    quorum = quorum_size(len(remaining))
    unhealthy = [member_label(entry) for entry in remaining if not entry['healthy']]
    text = '%d of the %d remaining voting members healthy, quorum %d' % (len(healthy), len(remaining), quorum)
    if unhealthy:
        text += '; unhealthy: %s' % ', '.join(unhealthy)
    if len(healthy) < quorum:
        return False, 'removing %s would lose etcd quorum (%s)' % (member_label(target), text)
    return True, 'removing %s keeps etcd quorum (%s)' % (member_label(target), text)


async def etcd_service(client: TalosClient, node: str | None) -> dict[str, Any] | None:
    """The node's etcd service (state, health, last event), or None when the node has no etcd service."""
    for service in await client.service_list(node):
        if service['id'] == ETCD_SERVICE:
            return service
    return None


async def wait_etcd_up(client: TalosClient, node: str | None, deadline: Deadline) -> dict[str, Any]:
    """Wait until the node's etcd service runs and is healthy; TalosError naming what was last seen otherwise."""
    async def check() -> Poll:
        try:
            service = await etcd_service(client, node)
        except TalosError as exc:
            if not exc.unreachable:
                raise
            return Poll(False, str(exc))  # the node may still be coming up
        if service is None:
            raise TalosError('the node runs no etcd service', node=node)
        if service['state'] == 'Failed':
            raise TalosError('etcd failed to start: %s' % (service['message'] or 'no reason given'), node=node)
        return Poll(service['state'] == 'Running' and bool(service['healthy']), 'etcd service %s%s' % (
            service['state'], ': ' + service['message'] if service['message'] else ''), service)

    return await wait_for(check, 'etcd to run and be healthy', deadline, node)
