# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kubernetes Node: read it, cordon or uncordon it, wait until it is Ready.

Cordon and uncordon set ``spec.unschedulable`` as kubectl does (RunCordonOrUncordon in
staging/src/k8s.io/kubectl/pkg/drain/cordon.go @ v1.34.0). A cordon of this collection also marks
the node with an annotation of its own, the way Talos marks the nodes it cordons itself
(``talos.dev/cordoned``, internal/app/machined/pkg/controllers/k8s/node_apply.go: ApplyCordoned
@ v1.14.0-rc.1): a later run can then tell its own cordon (to be lifted) from an operator's (to be
kept). Not Talos's key: Talos lifts the cordons it marked as soon as the node boots, before
Kubernetes says it is Ready. Waiting for Ready polls every 5 s like
siderolabs/go-kubernetes kubernetes/nodedrain/nodedrain.go: WaitForNodeReady, which talosctl runs
before it uncordons, and keeps polling while the API cannot be reached (a control plane rebooting). The
uncordon itself, and the first read of a task that is to wait, are asked again while the API is away
(api_outage.py): the node they follow has just rebooted, and when it is a control plane, the API may not be back
yet although Talos reports the node healthy (its kube-apiserver is a static pod kubelet starts afterwards). The
uncordon is a merge patch of fixed values, so asking again does the same thing.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, retry, wait_for
from ansible_collections.talos.linux.plugins.module_utils.kube.api_outage import seen_of, through_api_outage, transient
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient, KubeError

READY_INTERVAL = 5.0
CORDONED_BY_US = 'ansible.talos.linux/cordoned'


async def read_node(kube: KubeClient, name: str) -> dict[str, Any]:
    try:
        return await kube.node(name)
    except KubeError as exc:
        if exc.status == 404:
            raise KubeError('Kubernetes node "%s" not found at %s' % (name, kube.server), status=404) from None
        raise


async def read_node_once_served(kube: KubeClient, name: str, deadline: Deadline) -> dict[str, Any]:
    """``read_node``, asked again while the API is away, until ``deadline``."""
    return await retry('reading Kubernetes node %s' % name, lambda: read_node(kube, name), transient, deadline,
                       explain=seen_of)


def cordoned(node: dict[str, Any]) -> bool:
    return bool((node.get('spec') or {}).get('unschedulable'))


def cordoned_by_us(node: dict[str, Any]) -> bool:
    """Cordoned, by this collection (an earlier task that did not get to uncordon it)."""
    return cordoned(node) and CORDONED_BY_US in ((node.get('metadata') or {}).get('annotations') or {})


def ready_condition(node: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The Ready condition of a Node (or of a Pod: both keep it in status.conditions); None before there is one."""
    for condition in (node.get('status') or {}).get('conditions') or []:
        if condition.get('type') == 'Ready':
            return condition
    return None


def describe_readiness(node: dict[str, Any]) -> str:
    condition = ready_condition(node)
    if condition is None:
        return 'no Ready condition yet'
    text = 'Ready=%s' % condition.get('status')
    if condition.get('reason'):
        text += ' (%s)' % condition['reason']
    return text


async def set_unschedulable(kube: KubeClient, name: str, unschedulable: bool) -> None:
    """Cordon (with the collection's mark) or uncordon (removing it) node ``name``."""
    mark = 'true' if unschedulable else None  # null removes the annotation (JSON merge patch)
    await kube.patch_node(name, {'metadata': {'annotations': {CORDONED_BY_US: mark}},
                                 'spec': {'unschedulable': unschedulable}})


async def uncordon(kube: KubeClient, name: str, deadline: Deadline) -> None:
    """Uncordon node ``name`` (removing the collection's mark); asked again while the API is away, to ``deadline``."""
    await retry('uncordoning Kubernetes node %s' % name, lambda: set_unschedulable(kube, name, False), transient,
                deadline, explain=seen_of)


async def wait_ready(kube: KubeClient, name: str, deadline: Deadline) -> None:
    """Until the node's Ready condition is True; an API that does not answer yet is waited out (api_outage.py)."""
    async def check() -> Poll:
        node = await read_node(kube, name)
        condition = ready_condition(node)
        return Poll(condition is not None and condition.get('status') == 'True', seen=describe_readiness(node))

    await wait_for(through_api_outage(check), 'Kubernetes node %s to be Ready' % name, deadline,
                   interval=READY_INTERVAL)
