# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health module's API-side checks: each looks at the cluster once and returns what is wrong, per node.

A check is ``async def check(client, cluster) -> list[Problem]``; an empty list means it passed.
``health.py`` runs them in order, polling each until it passes or the deadline comes.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import MACHINE_STATUS
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import member_health, member_node, read_members

# Services that must run (and not be unhealthy) on every node that has them.
DEFAULT_SERVICES = ('apid', 'containerd', 'cri', 'etcd', 'kubelet', 'machined', 'trustd', 'udevd')
STATUS_TIMEOUT = 5.0


@dataclass
class Cluster:
    controlplanes: list[str]
    workers: list[str]
    services: list[str] = field(default_factory=lambda: list(DEFAULT_SERVICES))

    @property
    def nodes(self) -> list[str]:
        return self.controlplanes + self.workers


@dataclass
class Problem:
    node: str | None
    message: str

    def __str__(self) -> str:
        return '%s: %s' % (self.node, self.message) if self.node else self.message


async def _per_node(client: TalosClient, nodes: list[str], read: Callable[[str], Awaitable[Any]],
                    judge: Callable[[str, Any], list[Problem]]) -> list[Problem]:
    """Read every node concurrently; unreachable nodes and failed reads are problems of their own."""
    problems = []
    for node, result in (await client.for_nodes(nodes, read)).items():
        if isinstance(result, TalosError):
            problems.append(Problem(node, result.message))
        else:
            problems.extend(judge(node, result))
    return problems


async def reachable(client: TalosClient, cluster: Cluster) -> list[Problem]:
    """Every node answers the Talos API (Version)."""
    return await _per_node(client, cluster.nodes, client.version, lambda node, version: [])


async def boot_sequence(client: TalosClient, cluster: Cluster) -> list[Problem]:
    """Every node finished booting: MachineStatus stage running, as Talos's own "all nodes to finish boot
    sequence" check asks. Not readiness: a node is not ready while any of its services is down or
    Kubernetes is not up, which the etcd, services and server checks report under their own names."""
    def judge(node: str, resource: dict[str, Any]) -> list[Problem]:
        spec = resource['spec'] or {}
        status = spec.get('status') or {}
        if spec.get('stage') == 'running':
            return []
        unmet = '; '.join('%s: %s' % (item.get('name'), item.get('reason')) for item in status.get('unmetConditions')
                          or [])
        text = 'stage %s, %s' % (spec.get('stage'), 'ready' if status.get('ready') else 'not ready')
        return [Problem(node, text + (' (%s)' % unmet if unmet else ''))]
    return await _per_node(client, cluster.nodes, lambda node: client.get_resource(*MACHINE_STATUS, node=node), judge)


def _member_of(members: list[dict[str, Any]], node: str) -> dict[str, Any] | None:
    return next((member for member in members if node in (member['node'], member.get('hostname'))), None)


async def etcd(client: TalosClient, cluster: Cluster) -> list[Problem]:
    """etcd: one healthy voting member per control plane, and no other member."""
    if not cluster.controlplanes:
        return []
    members, errors = await read_members(client, cluster.controlplanes[0], cluster.controlplanes[1:])
    if members is None:
        return [Problem(error.node, 'etcd members could not be read: %s' % error.message) for error in errors]
    members = await member_health(client, members, STATUS_TIMEOUT)
    problems = []
    for node in cluster.controlplanes:
        member = _member_of(members, node)
        if member is None:
            problems.append(Problem(node, 'no etcd member for this control plane'))
        elif member['learner']:
            problems.append(Problem(node, 'etcd member %s is still a learner' % (member['hostname'] or node)))
        elif not member['healthy']:
            problems.append(Problem(node, 'etcd member %s is not healthy: %s' % (member['hostname'] or node,
                                                                                 member['error'])))
    for member in members:
        if not any(_member_of([member], node) for node in cluster.controlplanes):
            problems.append(Problem(member_node(member), 'etcd member %s is not one of the control planes %s'
                                    % (member['hostname'] or '%016x' % member['id'], ', '.join(cluster.controlplanes))))
    return problems


async def services(client: TalosClient, cluster: Cluster) -> list[Problem]:
    """The required services run, and none of them reports failing health, on every node that has them."""
    def judge(node: str, listed: list[dict[str, Any]]) -> list[Problem]:
        problems = []
        for service in listed:
            if service['id'] not in cluster.services:
                continue
            if service['state'] != 'Running':
                text = 'service %s is %s: %s' % (service['id'], service['state'], service['message'])
                problems.append(Problem(node, text))
            elif not service['healthy'] and not service['health_unknown']:
                problems.append(Problem(node, 'service %s is not healthy: %s' % (service['id'], service['message'])))
        return problems
    return await _per_node(client, cluster.nodes, client.service_list, judge)


async def same_version(client: TalosClient, cluster: Cluster) -> list[Problem]:
    """All nodes run one Talos version; the nodes off the most common version are named."""
    tags: dict[str, str] = {}
    problems = await _per_node(client, cluster.nodes, client.version,
                               lambda node, version: tags.__setitem__(node, version['tag']) or [])
    by_tag: dict[str, list[str]] = {}
    for node, tag in tags.items():
        by_tag.setdefault(tag, []).append(node)
    if len(by_tag) > 1:
        common = max(by_tag, key=lambda tag: len(by_tag[tag]))
        summary = ', '.join('%s on %s' % (', '.join(sorted(nodes)), tag) for tag, nodes in sorted(by_tag.items()))
        problems += [Problem(node, 'runs Talos %s, not %s like the others (%s)' % (tag, common, summary))
                     for tag, nodes in by_tag.items() if tag != common for node in nodes]
    return problems


Check = Callable[[TalosClient, Cluster], Awaitable[list[Problem]]]

API_CHECKS: dict[str, Check] = {
    'reachable': reachable,
    'boot_sequence': boot_sequence,
    'etcd': etcd,
    'services': services,
    'version': same_version,
}
