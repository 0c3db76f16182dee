# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Kubernetes upgrade waits for after each machine-config change, on the step's one deadline.

As upgrade-k8s waits (pkg/cluster/kubernetes/talos_managed.go:upgradeStaticPodOnNode, checkPodStatus and
kubelet.go:upgradeKubeletOnNode, checkNodeKubeletVersion @ v1.14.0-rc.1), polling where upstream watches:
- a static pod: its config resource gets a new version, then the mirror pod on that node (kube-system, label
  ``k8s-app=<component>``, ``status.hostIP`` the node) carries that version in ``talos.dev/config-version``
  and is Ready;
- a kubelet: the kubelet Service running and healthy again with the new image in the KubeletSpec, then the
  Node with that address reports the new ``kubeletVersion`` and is Ready.
The Kubernetes reads ride out the API going away meanwhile (kube/api_outage.py): the only kube-apiserver restarting.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for
from ansible_collections.talos.linux.plugins.module_utils.kube.api_outage import through_api_outage
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.running import optional_resource
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.talos_resources import (
    CONFIG_VERSION_ANNOTATION, KUBE_SYSTEM, KUBELET_SERVICE, KUBELET_SPEC, STATIC_POD_CONFIGS)
from ansible_collections.talos.linux.plugins.module_utils.kube.node import ready_condition

INTERVAL = 0.25  # seconds between looks: each is one COSI get or one list, and a step waits for several of them


def version_number(resource: Optional[dict[str, Any]]) -> int:
    """A COSI resource's metadata version (0 when there is none yet)."""
    try:
        return int(((resource or {}).get('metadata') or {}).get('version') or 0)
    except ValueError:
        return 0


async def config_version(client: Any, component: str, node: str) -> int:
    return version_number(await optional_resource(client, STATIC_POD_CONFIGS[component], node))


async def wait_config_rendered(client: Any, component: str, node: str, before: int, image: str,
                               deadline: Deadline) -> int:
    """Until the component's config resource is a version after ``before`` with ``image``; that version."""
    async def check() -> Poll:
        resource = await optional_resource(client, STATIC_POD_CONFIGS[component], node)
        version = version_number(resource)
        seen = ((resource or {}).get('spec') or {}).get('image')
        return Poll(version > before and seen == image,
                    'version %d with image %s' % (version, seen), version)

    return await wait_for(check, '%s config resource to render %s' % (component, image), deadline, node, INTERVAL)


def _pod_ready(pod: dict[str, Any]) -> bool:
    return (ready_condition(pod) or {}).get('status') == 'True'


def describe_pods(pods: list[dict[str, Any]]) -> str:
    if not pods:
        return 'no pod on the node'
    return ', '.join('%s config-version %s %s' % (
        (pod.get('metadata') or {}).get('name'),
        ((pod.get('metadata') or {}).get('annotations') or {}).get(CONFIG_VERSION_ANNOTATION),
        'Ready' if _pod_ready(pod) else 'not Ready') for pod in pods)


async def wait_mirror_pod(kube: UpgradeKube, component: str, node: str, version: int, deadline: Deadline) -> None:
    """Until the component's pod on ``node`` was rendered from config ``version`` and is Ready."""
    async def check() -> Poll:
        pods = [pod for pod in await kube.pods(KUBE_SYSTEM, 'k8s-app=%s' % component)
                if (pod.get('status') or {}).get('hostIP') == node]
        met = any(((pod.get('metadata') or {}).get('annotations') or {}).get(CONFIG_VERSION_ANNOTATION) == str(version)
                  and _pod_ready(pod) for pod in pods)
        return Poll(met, describe_pods(pods))

    await wait_for(through_api_outage(check), '%s pod of config version %d to be Ready' % (component, version),
                   deadline, node, INTERVAL)


async def kubelet_state(client: Any, node: str) -> tuple[bool, str]:
    """(running and healthy, how it looks) of the node's kubelet Service."""
    resource = await optional_resource(client, KUBELET_SERVICE, node)
    if resource is None:
        return False, 'the kubelet service is not running'
    spec = resource.get('spec') or {}
    healthy = bool(spec.get('running')) and bool(spec.get('healthy'))
    return healthy, 'the kubelet service is %s' % ('running and healthy' if healthy else 'running, not healthy')


async def require_kubelet_healthy(client: Any, node: str) -> None:
    healthy, seen = await kubelet_state(client, node)
    if not healthy:
        raise TalosError('%s: not upgrading an unhealthy kubelet' % seen, node=node)


async def wait_kubelet_restarted(client: Any, node: str, image: str, deadline: Deadline) -> None:
    """Until the KubeletSpec has ``image`` and the kubelet Service runs healthy again."""
    async def check() -> Poll:
        spec = (await optional_resource(client, KUBELET_SPEC, node) or {}).get('spec') or {}
        if spec.get('image') != image:
            return Poll(False, 'the kubelet spec has image %s' % spec.get('image'))
        healthy, seen = await kubelet_state(client, node)
        return Poll(healthy, seen)

    await wait_for(check, 'the kubelet to run %s' % image, deadline, node, INTERVAL)


def _node_with_address(nodes: list[dict[str, Any]], address: str) -> Optional[dict[str, Any]]:
    for node in nodes:
        if any(entry.get('address') == address for entry in (node.get('status') or {}).get('addresses') or []):
            return node
    return None


async def wait_node_version(kube: UpgradeKube, address: str, version: str, deadline: Deadline) -> None:
    """Until the Node with ``address`` reports kubelet ``version`` (``v1.36.3``) and is Ready."""
    async def check() -> Poll:
        node = _node_with_address(await kube.nodes(), address)
        if node is None:
            return Poll(False, 'no Node with address %s' % address)
        reported = ((node.get('status') or {}).get('nodeInfo') or {}).get('kubeletVersion')
        if reported != version:
            return Poll(False, 'kubeletVersion %s' % reported)
        condition = ready_condition(node) or {}
        return Poll(condition.get('status') == 'True', 'kubeletVersion %s, Ready=%s' % (
            reported, condition.get('status')))

    await wait_for(through_api_outage(check), 'Kubernetes node to report kubelet %s and be Ready' % version, deadline,
                   address, INTERVAL)
