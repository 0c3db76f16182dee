# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which machines a cluster has, and what each says about itself: for the inventory plugin.

Cluster members come from Talos's discovery registry (COSI ``Members.cluster.talos.dev``), which
remembers machines that are down; node_info then fills in what live nodes report. Private module.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import node_info

MEMBERS = ('cluster', 'Members.cluster.talos.dev')
OS_VERSION = re.compile(r'\((v[0-9][^)]*)\)')


def member_to_machine(spec: dict[str, Any]) -> dict[str, Any]:
    """A Member spec as {address, hostname, machine_type, version} (version parsed from 'Talos (v1.14.0)')."""
    addresses = spec.get('addresses') or []
    version = OS_VERSION.search(spec.get('operatingSystem') or '')
    return {
        'address': addresses[0] if addresses else None,
        'hostname': spec.get('hostname') or None,
        'machine_type': spec.get('machineType') or None,
        'version': version.group(1) if version else None,
    }


async def cluster_members(client: TalosClient) -> list[dict[str, Any]]:
    """Members known to the discovery registry of the endpoint's cluster."""
    machines = []
    async for resource in client.list_resources(*MEMBERS):
        machine = member_to_machine(resource['spec'] or {})
        if machine['address']:
            machines.append(machine)
    return machines


async def describe_nodes(client: TalosClient, nodes: list[str]) -> dict[str, dict[str, Any] | TalosError]:
    """node_info of every node, concurrently; unreachable nodes map to their error."""
    return await client.for_nodes(nodes, lambda node: node_info(client, node))
