# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refuse to take a control plane down when etcd would lose quorum (the check lives in etcd.quorum).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import check_quorum

MACHINE_TYPE = ('config', 'MachineTypes.config.talos.dev', 'machine-type')
CONTROL_PLANE_TYPES = frozenset(['controlplane', 'init'])


async def machine_type(client: Any, node: Optional[str]) -> Optional[str]:
    try:
        resource = await client.get_resource(*MACHINE_TYPE, node=node)
    except TalosError as exc:
        if exc.code in ('NOT_FOUND', 'PERMISSION_DENIED'):
            return None
        raise
    return resource['spec']


async def guard_quorum(client: Any, node: Optional[str], action: str, force: bool,
                       kind: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The quorum verdict for a control plane (None for other machines); TalosError when unsafe and not forced.

    A single-member etcd cluster has no quorum to protect: its only member going down is the
    expected price of rebooting or upgrading it, as with talosctl.
    """
    kind = kind if kind is not None else await machine_type(client, node)
    if kind not in CONTROL_PLANE_TYPES:
        return None
    target = client.settings.node_label(node)
    verdict = await check_quorum(client, target, peers=list(client.settings.endpoints))
    if not verdict.safe and verdict.voters == 1 and verdict.member is not None:
        if action == 'reset':
            # Resetting the only member destroys the cluster; a graceful reset even fails at leaving etcd
            # (etcd refuses to remove its last member) and the node reboots without being reset.
            verdict.message = ('single-member etcd cluster: %s is its only member, and resetting it destroys the '
                               'etcd cluster (a graceful reset fails at leaving etcd)' % target)
        else:
            verdict.safe = True
            verdict.message = 'single-member etcd cluster: %s is its only member (%s)' % (target, verdict.message)
    if not verdict.safe and not force:
        raise TalosError('refusing to %s this control plane: %s; set force=true to do it anyway'
                         % (action, verdict.message), node=target)
    return verdict.to_dict()
