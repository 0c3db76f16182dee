# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd maintenance: defragment member by member (leader last) and disarm alarms.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import (format_member_id, members,
                                                                            not_a_control_plane)
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import member_node

DEFRAGMENT_TIMEOUT = 600.0


async def defragment_order(client: TalosClient, node: str | None, nodes: list[str] | None) -> list[str]:
    """The nodes to defragment (given, else every started member's node), the leader last."""
    entries = await members(client, node)
    targets = list(nodes) if nodes else [member_node(entry) for entry in entries if entry['hostname']]
    leader = None
    for target in targets:
        try:
            status = await client.etcd_status(target)
        except TalosError as exc:
            raise not_a_control_plane(exc, target) from None
        if status['leader'] == status['member_id']:
            leader = target
    return [target for target in targets if target != leader] + ([leader] if leader else [])


async def defragment(client: TalosClient, order: list[str], check_mode: bool) -> list[dict[str, Any]]:
    """Defragment one node at a time; the db size before and after of each."""
    done = []
    for target in order:
        before = await client.etcd_status(target)
        entry = {'node': target, 'db_size_before': before['db_size'], 'db_size_after': None}
        if not check_mode:
            try:
                await client.etcd_defragment(target, timeout=DEFRAGMENT_TIMEOUT)
            except TalosError as exc:
                raise not_a_control_plane(exc, target) from None
            entry['db_size_after'] = (await client.etcd_status(target))['db_size']
        done.append(entry)
    return done


async def disarm_alarms(client: TalosClient, node: str | None, check_mode: bool) -> list[dict[str, Any]]:
    """Disarm every active alarm; the alarms that were (or would be) disarmed."""
    try:
        alarms = await client.etcd_alarms(node)
        if alarms and not check_mode:
            alarms = await client.etcd_alarm_disarm(node)
    except TalosError as exc:
        raise not_a_control_plane(exc, node) from None
    return [{'member_id': format_member_id(alarm['member_id']), 'alarm': alarm['alarm']} for alarm in alarms]
