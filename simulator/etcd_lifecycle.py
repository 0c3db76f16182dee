# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd's part in machined's sequences: the legacy Upgrade's etcd checks and the reset's leaveEtcd/wipe.

Registered into simulator.lifecycle's extension points when this module is imported.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.etcd_gateway import EtcdError
from simulator.lifecycle import RESET_HOOKS, UPGRADE_CHECKS

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


async def leave_and_wipe(machine: 'Machine', graceful: bool) -> None:
    """Reset: a graceful reset leaves the etcd cluster first; the EPHEMERAL wipe forgets the member's data."""
    member = machine.etcd
    if member is None:
        return
    if graceful:
        for peer in member.running_peers():
            try:
                for entry in await peer.gateway.members():
                    if entry['name'] == member.name or entry['peer_urls'] == [member.peer_url]:
                        await peer.gateway.remove(entry['id'])
                break
            except EtcdError as exc:
                log.info('%s: leaving etcd: %s', machine.name, exc.message)
    await member.stop()
    member.wipe()


UPGRADE_CHECKS.append(validate_for_upgrade)
RESET_HOOKS.append(leave_and_wipe)
