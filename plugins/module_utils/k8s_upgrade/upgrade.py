# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrade a Talos cluster's Kubernetes, as ``talosctl upgrade-k8s`` does (pkg/cluster/kubernetes/upgrade.go:
Upgrade @ v1.14.0-rc.1), from the live cluster to the result a module returns.

1. Discover the nodes from Kubernetes; the current version (given, or the lowest the pods run).
2. Before anything changes: every node's Talos supports the target, the path is one minor at most, nothing the
   target removes is in use (checks.py). Any of them fails the task with nothing changed.
3. Plan from what runs (running.py, plan.py). Check mode stops here with the plan; an empty plan is no change.
4. Pre-pull, then each step on its own ``wait_timeout`` (steps.py). A failure names the step (component and
   node) and returns what was done and what remains; a second run plans again from what runs, so it resumes.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.checks import check_talos, findings, refuse
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.discover import (cluster_nodes, detect_version,
                                                                                       select_nodes)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.image_prepull import prepull
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifests import require_ssa_sync, with_manifests
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifests_api import ManifestsKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import build_plan
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.repositories import repositories_of
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.running import read_running, running_config
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.steps import run_step
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import (check_path,
                                                                                           parse_kube_version)
from ansible_collections.talos.linux.plugins.module_utils.kube.kubeconfig_source import from_option, parse
from ansible_collections.talos.linux.plugins.module_utils.kubeconfig.kubeconfig import fetch

PURPOSE = 'for talos.linux.kubernetes_upgrade'


async def kubeconfig_of(client: Any, value: Optional[str], node: Optional[str]) -> dict[str, Any]:
    """The option's kubeconfig, else the admin kubeconfig Talos issues on ``node`` (a control plane)."""
    if value:
        return from_option(value)
    return parse(await fetch(client, node), 'the kubeconfig from the Talos API')


async def kubernetes_upgrade(client: Any, params: dict[str, Any], check_mode: bool,
                             warn: Callable[[str], None]) -> dict[str, Any]:
    target = parse_kube_version(params['to_version'], 'to_version')
    repositories = repositories_of(params['repositories'])
    config = await kubeconfig_of(client, params['kubeconfig'], params['node'])
    async with ManifestsKube(config, PURPOSE) as kube:
        nodes = cluster_nodes(await kube.nodes())
        controlplanes = [node.address for node in nodes if node.controlplane]
        workers = [node.address for node in nodes if not node.controlplane]
        if not controlplanes:
            raise TalosError('no control-plane Node (label node-role.kubernetes.io/control-plane) in the cluster')
        kubelet_nodes = select_nodes(nodes, params['nodes']) if params['upgrade_kubelet'] else []
        current = (parse_kube_version(params['from_version'], 'from_version') if params['from_version']
                   else await detect_version(kube))
        result: dict[str, Any] = {'changed': False, 'from_version': str(current), 'to_version': str(target),
                                  'controlplanes': controlplanes, 'workers': workers, 'plan': [], 'done': [],
                                  'remaining': [], 'prepull_skipped': []}
        check_path(current, target)
        talos_versions = await check_talos(client, controlplanes + workers, target, warn)
        if params['manifests']:
            require_ssa_sync(talos_versions)
        configs = {node: await running_config(client, node) for node in controlplanes + workers}
        found = await findings(kube, current, target, configs)
        if found:
            raise refuse(found, target, dict(result, findings=found))
        running = await read_running(client, kube, controlplanes, workers, configs)
        plan = build_plan(running, target, repositories, kubelet_nodes)
        result.update(changed=bool(plan), plan=[step.as_dict() for step in plan],
                      remaining=[step.as_dict() for step in plan])
        if check_mode or not plan:
            result['msg'] = ('would take %d steps to Kubernetes %s' % (len(plan), target) if plan else
                             'the cluster runs Kubernetes %s already' % target)
            return await with_manifests(client, kube, controlplanes[0], params, check_mode, result)
        if params['pre_pull_images']:
            result['prepull_skipped'] = await prepull(client, plan, talos_versions, params['wait_timeout'])
        for index, step in enumerate(plan):
            try:
                await run_step(client, kube, step, target, params, Deadline(params['wait_timeout']))
            except TalosError as exc:
                exc.message = 'upgrading %s: %s' % (step.describe(), exc.message)
                exc.node = step.node or exc.node
                # The failed step may have applied its config: changed, and a second run plans from what runs.
                exc.result = dict(result, remaining=result['remaining'][index:], changed=True)
                raise
            result['done'].append(step.as_dict())
        result['remaining'] = []
        result['msg'] = 'upgraded Kubernetes %s to %s in %d steps' % (current, target, len(plan))
        return await with_manifests(client, kube, controlplanes[0], params, check_mode, result)
