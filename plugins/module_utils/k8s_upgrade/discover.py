# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster a Kubernetes upgrade acts on, as Kubernetes lists it, and the version it runs now.

Nodes are found as upgrade-k8s finds them (pkg/kubernetes/kubernetes.go:NodeIPs @ v1.14.0-rc.1): a Node labelled
``node-role.kubernetes.io/control-plane`` is a control plane, any other a worker, and each is reached through
Talos at its InternalIP (its ExternalIP when it has none). The current version is the lowest one among the
images of the kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy pods in kube-system
(pkg/cluster/kubernetes/detect.go:DetectLowestVersion @ v1.14.0-rc.1): each pod's container named like its
``k8s-app`` label.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import (CONTROL_PLANE_COMPONENTS,
                                                                                     image_version)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.talos_resources import KUBE_PROXY, KUBE_SYSTEM
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import KubeVersion

CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane'
DETECTED_APPS = frozenset(CONTROL_PLANE_COMPONENTS + (KUBE_PROXY,))


@dataclass(frozen=True)
class ClusterNode:
    name: str
    address: str
    controlplane: bool


def node_address(node: dict[str, Any]) -> Optional[str]:
    addresses = (node.get('status') or {}).get('addresses') or []
    for kind in ('InternalIP', 'ExternalIP'):
        found = next((entry.get('address') for entry in addresses if entry.get('type') == kind), None)
        if found:
            return found
    return None


def cluster_nodes(listed: list[dict[str, Any]]) -> list[ClusterNode]:
    """The Nodes Talos can reach (those with an address), in the order Kubernetes lists them."""
    nodes = []
    for node in listed:
        metadata = node.get('metadata') or {}
        address = node_address(node)
        if address:
            nodes.append(ClusterNode(metadata.get('name', ''), address,
                                     CONTROL_PLANE_LABEL in (metadata.get('labels') or {})))
    return nodes


def select_nodes(nodes: list[ClusterNode], wanted: Optional[list[str]]) -> Optional[list[str]]:
    """The addresses of the ``nodes`` option's entries (a Node name or address each); None when not given."""
    if wanted is None:
        return None
    by_key = {key: node.address for node in nodes for key in (node.name, node.address)}
    unknown = [entry for entry in wanted if entry not in by_key]
    if unknown:
        raise TalosError('option nodes: %s %s not a node of the cluster (its Nodes: %s)' % (
            ', '.join(unknown), 'is' if len(unknown) == 1 else 'are',
            ', '.join('%s (%s)' % (node.name, node.address) for node in nodes)))
    return list(dict.fromkeys(by_key[entry] for entry in wanted))


def lowest_version(pods: list[dict[str, Any]]) -> Optional[KubeVersion]:
    """The lowest Kubernetes version among the control-plane and kube-proxy pods' images; None when none tells."""
    found = []
    for pod in pods:
        app = ((pod.get('metadata') or {}).get('labels') or {}).get('k8s-app')
        if app not in DETECTED_APPS:
            continue
        for container in (pod.get('spec') or {}).get('containers') or []:
            version = image_version(container.get('image') or '') if container.get('name') == app else None
            if version is not None:
                found.append(version)
    return min(found) if found else None


async def detect_version(kube: UpgradeKube) -> KubeVersion:
    version = lowest_version(await kube.pods(KUBE_SYSTEM))
    if version is None:
        raise TalosError('cannot detect the Kubernetes version: no kube-apiserver, kube-controller-manager, '
                         'kube-scheduler or kube-proxy pod in kube-system has a versioned image; give from_version')
    return version
