# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each node runs, read from Talos and Kubernetes: the images a Kubernetes upgrade plans from.

As upgrade-k8s reads them (pkg/cluster/kubernetes/talos_managed.go:upgradeStaticPodPatcher and
kubelet.go:upgradeKubeletPatcher @ v1.14.0-rc.1): a control-plane component's image is the one its config
resource was rendered with (the machine config's image when that resource is missing), the kubelet's the
KubeletSpec's. kube-proxy's image in a control plane's machine config has no rendered resource of its own: the
config's value, else (the config leaves it to Talos's default) the DaemonSet's, which is what runs.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.config_images import config_image
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import CONTROL_PLANE_COMPONENTS
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import Running
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.talos_resources import (KUBE_PROXY,
                                                                                              KUBE_SYSTEM,
                                                                                              KUBELET_SPEC,
                                                                                              STATIC_POD_CONFIGS)


async def running_config(client: Any, node: str) -> str:
    text = await client.machine_config('v1alpha1', node)
    if text is None:
        raise TalosError('the node has no machine configuration', node=node)
    return text


async def optional_resource(client: Any, coordinates: tuple[str, str, str], node: str) -> Optional[dict[str, Any]]:
    try:
        return await client.get_resource(*coordinates, node=node)
    except TalosError as exc:
        if exc.code == 'NOT_FOUND':
            return None
        raise


async def rendered_image(client: Any, component: str, node: str, config_text: str) -> Optional[str]:
    resource = await optional_resource(client, STATIC_POD_CONFIGS[component], node)
    image = ((resource or {}).get('spec') or {}).get('image')
    return image or config_image(config_text, component)


async def kubelet_image(client: Any, node: str) -> Optional[str]:
    resource = await optional_resource(client, KUBELET_SPEC, node)
    return ((resource or {}).get('spec') or {}).get('image')


async def daemonset_image(kube: UpgradeKube) -> Optional[str]:
    daemonset = await kube.optional_daemonset(KUBE_SYSTEM, KUBE_PROXY)
    if daemonset is None:
        return None
    containers = ((((daemonset.get('spec') or {}).get('template') or {}).get('spec') or {}).get('containers') or [])
    return next((c.get('image') for c in containers if c.get('name') == KUBE_PROXY), None)


async def read_running(client: Any, kube: UpgradeKube, controlplanes: list[str], workers: list[str],
                       configs: dict[str, str]) -> Running:
    """What runs now; ``configs`` are the control planes' running machine configs (read once by the caller)."""
    running = Running(controlplanes, workers, daemonset_image=await daemonset_image(kube))

    async def control_plane(node: str) -> None:
        for component in CONTROL_PLANE_COMPONENTS:
            image = await rendered_image(client, component, node, configs[node])
            if image:
                running.images[(component, node)] = image
        proxy = config_image(configs[node], KUBE_PROXY) or running.daemonset_image
        if proxy:
            running.images[(KUBE_PROXY, node)] = proxy

    async def kubelet(node: str) -> None:
        image = await kubelet_image(client, node)
        if image:
            running.images[('kubelet', node)] = image

    await asyncio.gather(*(control_plane(node) for node in controlplanes),
                         *(kubelet(node) for node in controlplanes + workers))
    return running
