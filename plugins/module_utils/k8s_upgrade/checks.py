# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What must hold before a Kubernetes upgrade changes anything, checked on the live cluster.

As upgrade-k8s checks (pkg/cluster/kubernetes/upgrade.go:Upgrade @ v1.14.0-rc.1): every node's Talos supports
the target (compat.go:VerifyVersionCompatibility), the path is one minor at most (go-kubernetes
kubernetes/upgrade/path.go:IsSupported @ 0caf1f2), and nothing the target removes is in use - flags, feature
gates and admission plugins in the machine configs, and objects of API resource versions the target no longer
serves (kubernetes/upgrade/checks.go:Run, PopulateRemovedAPIResources @ 0caf1f2: a resource version the API server
does not serve any more counts as unused). Every finding is an error, all of them listed at once.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.prechecks import (config_findings,
                                                                                        removed_api_resources)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import (KubeVersion,
                                                                                           check_talos_supports)


async def check_talos(client: Any, nodes: list[str], target: KubeVersion,
                      warn: Callable[[str], None]) -> dict[str, str]:
    """Every node's Talos supports ``target`` (a Talos line newer than this collection knows is a warning);
    the Talos version of each node."""
    versions = await asyncio.gather(*(client.version(node) for node in nodes))
    tags = {node: version['tag'] for node, version in zip(nodes, versions)}
    for node, tag in tags.items():
        warning = check_talos_supports(tag, target, node)
        if warning:
            warn(warning)
    return tags


async def findings(kube: UpgradeKube, current: KubeVersion, target: KubeVersion,
                   configs: dict[str, str]) -> list[dict[str, Any]]:
    """Everything in use that ``target`` removes: config findings, then removed API resources holding objects."""
    found = [{'node': f.node, 'component': f.component, 'kind': f.kind, 'value': f.value}
             for f in config_findings(current, target, configs)]
    for resource in removed_api_resources(current, target):
        count = await kube.count_objects(resource)
        if count:
            found.append({'node': None, 'component': 'kube-apiserver', 'kind': 'api-resource',
                          'value': '%s (%d objects)' % (resource, count)})
    return found


def refuse(found: list[dict[str, Any]], target: KubeVersion, result: dict[str, Any]) -> TalosError:
    lines = ['%s%s: %s %s' % ('node %s ' % f['node'] if f['node'] else '', f['component'], f['kind'], f['value'])
             for f in found]
    return TalosError('Kubernetes %s removes what the cluster still uses (nothing was changed): %s'
                      % (target, '; '.join(lines)), result=result)
