# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One step of a Kubernetes upgrade carried out: a machine config changed in one image field, and its effect
waited for.

A node's config changes as upgrade-k8s patches it (pkg/cluster/kubernetes/patch.go:patchNodeConfig @
v1.14.0-rc.1): the running config read back, only the component's image changed (config_images.with_image),
applied with mode NO_REBOOT - Talos applies image changes without a reboot. Then, as upstream: a control-plane
component waits for its re-rendered static pod (talos_managed.go:upgradeStaticPodOnNode), kube-proxy in a
machine config waits for nothing (its DaemonSet follows in kube_proxy.py), a kubelet must be healthy before
and waits for its restart and its Node after (kubelet.go:upgradeKubeletOnNode); with ``drain`` the node is
cordoned and drained before its kubelet restarts and uncordoned once Ready (drain_step.DrainStep).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.config_images import with_image
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_proxy import roll_out
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import Step
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.running import running_config
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import KubeVersion
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.waits import (
    config_version, require_kubelet_healthy, wait_config_rendered, wait_kubelet_restarted, wait_mirror_pod,
    wait_node_version)
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep


async def patch_image(client: Any, node: str, component: str, image: str) -> bool:
    """Set ``component``'s image in the node's running config (NO_REBOOT); False when it had it already."""
    text = await running_config(client, node)
    patched = with_image(text, component, image)
    if patched == text:
        return False
    await client.apply_configuration(patched.encode('utf-8'), 'NO_REBOOT', node)
    return True


async def static_pod(client: Any, kube: UpgradeKube, step: Step, deadline: Deadline) -> None:
    version = await config_version(client, step.component, step.node)
    if await patch_image(client, step.node, step.component, step.to_image):
        version = await wait_config_rendered(client, step.component, step.node, version, step.to_image, deadline)
    await wait_mirror_pod(kube, step.component, step.node, version, deadline)


async def kubelet(client: Any, kube: UpgradeKube, step: Step, target: KubeVersion, params: dict[str, Any],
                  deadline: Deadline) -> None:
    await require_kubelet_healthy(client, step.node)
    # Always uncordoned once Ready again: the node was drained only for its kubelet restart.
    async with DrainStep(dict(params, uncordon=True), None, client, step.node) as drain:
        drain.decide()
        await drain.before(check_mode=False)
        await patch_image(client, step.node, 'kubelet', step.to_image)
        await wait_kubelet_restarted(client, step.node, step.to_image, deadline)
        await wait_node_version(kube, step.node, 'v%s' % target, deadline)
        await drain.after(True, deadline)


async def run_step(client: Any, kube: UpgradeKube, step: Step, target: KubeVersion, params: dict[str, Any],
                   deadline: Deadline) -> None:
    if step.component == 'kubelet':
        await kubelet(client, kube, step, target, params, deadline)
    elif step.component == 'kube-proxy' and step.node is None:
        await roll_out(kube, step.to_image, deadline)
    elif step.component == 'kube-proxy':
        await patch_image(client, step.node, step.component, step.to_image)
    else:
        await static_pod(client, kube, step, deadline)
