# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd's part in machined's sequences: the legacy Upgrade's etcd checks, the reset's leaveEtcd and wipe.

Registered into simulator.lifecycle's extension points when this module is imported.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.etcd_gateway import EtcdError
from simulator.lifecycle import LEAVE_HOOKS, UPGRADE_CHECKS, WIPE_HOOKS, TaskFailed

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)


def _refuse(text: str) -> GRPCError:
    return GRPCError(Status.UNKNOWN, 'error validating etcd for upgrade: %s' % text)


async def validate_for_upgrade(machine: 'Machine', request: Any) -> None:
    """Talos refuses to upgrade a control plane unless every member is started and healthy (and not 2)."""
    del request
    member = machine.etcd
    if member is None:
        return
    peers = member.running_peers()
    if not peers:
        raise _refuse('etcd is not running on any control plane')
    try:
        members = await peers[0].gateway.members()
    except EtcdError as exc:
        raise _refuse(exc.message) from None
    if len(members) == 2:
        raise _refuse('etcd member count(2) is insufficient to maintain quorum if upgrade commences')
    by_url = {peer.client_url: peer for peer in peers}
    for entry in members:
        if not entry['name']:
            raise _refuse('etcd member %016x is not started, all members must be running to perform an upgrade'
                          % entry['id'])
        peer = next((by_url[url] for url in entry['client_urls'] if url in by_url), None)
        try:
            if peer is None:
                raise EtcdError('context deadline exceeded')
            await peer.gateway.status(timeout=2.0)
        except EtcdError as exc:
            raise _refuse('etcd member %016x is not healthy; all members must be healthy to perform an upgrade: %s'
                          % (entry['id'], exc.message)) from None


async def leave_etcd(machine: 'Machine') -> None:
    """A graceful reset's leaveEtcd task: nothing to do without data or a running service; else remove the
    local member (etcd's own refusal fails the task: the last member cannot be removed), then stop the
    service and delete its data (v1alpha1_sequencer_tasks.go:LeaveEtcd, internal/pkg/etcd/etcd.go:LeaveCluster
    @ v1.13.9)."""
    member = machine.etcd
    if member is None or not member.has_data or not member.process_running:
        return
    try:
        member_id = (await member.gateway.status())['member_id']
    except EtcdError as exc:
        raise TaskFailed('failed to leave cluster: %s' % exc.message) from None
    try:
        await member.gateway.remove(member_id)
    except EtcdError as exc:
        if 'member not found' not in exc.message:  # already removed: nothing to do
            raise TaskFailed('failed to leave cluster: failed to remove member %d: %s'
                             % (member_id, exc.message)) from None
    await member.leave()


async def wipe(machine: 'Machine', wiped: frozenset[str]) -> None:
    """etcd's data lives on EPHEMERAL (/var/lib/etcd): only a reset that wipes it loses the data; a member
    that did not leave stays in the cluster's member list (v1alpha1_sequencer_tasks.go:ResetSystemDisk,
    ResetSystemDiskSpec @ v1.13.9)."""
    member = machine.etcd
    if member is None or 'EPHEMERAL' not in wiped:
        return
    await member.stop()
    member.wipe()


UPGRADE_CHECKS.append(validate_for_upgrade)
LEAVE_HOOKS.append(leave_etcd)
WIPE_HOOKS.append(wipe)
