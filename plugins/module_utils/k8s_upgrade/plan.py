# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a Kubernetes upgrade: which image changes where, in the order they are made.

The order is upgrade-k8s's (pkg/cluster/kubernetes/upgrade.go:Upgrade @ v1.14.0-rc.1): kube-apiserver, then
kube-controller-manager, then kube-scheduler, each on every control plane in turn; kube-proxy in each control
plane's machine config and then its DaemonSet; last the kubelets, control planes first, then workers
(kubelet.go:upgradeKubelet). A step whose image is already the target's is left out, as upstream skips it
(errUpdateSkipped), so a cluster on the target has an empty plan, and a run that failed half-way plans only
what is left. Pure: what runs is read elsewhere (running.py).

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import (CONTROL_PLANE_COMPONENTS,
                                                                                     target_image)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import KubeVersion


@dataclass(frozen=True)
class Step:
    """One image change: on a node (its machine config), or on the kube-proxy DaemonSet (``node`` None)."""

    component: str
    node: Optional[str]
    from_image: str
    to_image: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        where = 'node %s' % self.node if self.node else 'DaemonSet kube-system/kube-proxy'
        return '%s on %s (%s -> %s)' % (self.component, where, self.from_image, self.to_image)


@dataclass
class Running:
    """What the cluster runs: its nodes (addresses, in Kubernetes's order) and each component's image.

    ``images`` maps (component, node) to the image: the control-plane components and the kube-proxy of the
    machine config on control planes, the kubelet on every node. ``daemonset_image`` is the kube-proxy
    DaemonSet's container image, None without a kube-proxy DaemonSet.
    """

    controlplanes: list[str]
    workers: list[str]
    images: dict[tuple[str, str], str] = field(default_factory=dict)
    daemonset_image: Optional[str] = None


def _step(component: str, node: Optional[str], current: Optional[str], repositories: dict[str, str],
          target: KubeVersion) -> list[Step]:
    wanted = target_image(component, repositories[component], target, current)
    return [] if current == wanted else [Step(component, node, current or '', wanted)]


def build_plan(running: Running, target: KubeVersion, repositories: dict[str, str],
               kubelet_nodes: Optional[list[str]]) -> list[Step]:
    """The steps to ``target`` in execution order; ``kubelet_nodes``: the nodes whose kubelet is upgraded
    (None: every node, [] none)."""
    steps: list[Step] = []
    for component in CONTROL_PLANE_COMPONENTS:
        for node in running.controlplanes:
            steps += _step(component, node, running.images.get((component, node)), repositories, target)
    for node in running.controlplanes:
        steps += _step('kube-proxy', node, running.images.get(('kube-proxy', node)), repositories, target)
    if running.daemonset_image is not None:
        steps += _step('kube-proxy', None, running.daemonset_image, repositories, target)
    for node in running.controlplanes + running.workers:
        if kubelet_nodes is None or node in kubelet_nodes:
            steps += _step('kubelet', node, running.images.get(('kubelet', node)), repositories, target)
    return steps


def plan_diff(plan: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Ansible's diff of a plan: for each node's machine config, then the kube-proxy DaemonSet, its image fields
    before and after (one ``component: image`` line each) - all an upgrade changes in them."""
    targets: dict[Optional[str], list[dict[str, Any]]] = {}
    for step in plan:
        targets.setdefault(step['node'], []).append(step)
    return [{'before_header': ('node %s machine configuration' % node if node else 'DaemonSet kube-system/kube-proxy'),
             'after_header': ('node %s machine configuration' % node if node else 'DaemonSet kube-system/kube-proxy'),
             'before': ''.join('%s image: %s\n' % (step['component'], step['from_image']) for step in steps),
             'after': ''.join('%s image: %s\n' % (step['component'], step['to_image']) for step in steps)}
            for node, steps in targets.items()]
