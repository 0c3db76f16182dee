# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kube-proxy's DaemonSet to a new image, and its rollout waited for.

Talos's manifest controller only creates missing bootstrap manifests, so the new image in the machine configs
reaches the running DaemonSet only through a client: upgrade-k8s syncs the manifests after its steps
(pkg/cluster/kubernetes/upgrade.go:PerformManifestsSync @ v1.14.0-rc.1); this module patches the one container
image itself. The rollout is done as ``kubectl rollout status`` reads a DaemonSet
(staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go:DaemonSetStatusViewer.Status @ v1.34.0):
the controller has observed the new generation, and every scheduled pod is updated and available. The wait rides
out the API going away (kube/api_outage.py); the PATCH itself is a write and is not repeated.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for
from ansible_collections.talos.linux.plugins.module_utils.kube.api_outage import through_api_outage
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.talos_resources import KUBE_PROXY, KUBE_SYSTEM

INTERVAL = 0.25  # seconds between looks: each is one COSI get or one list, and a step waits for several of them


def rollout_state(daemonset: dict[str, Any], generation: int) -> Poll:
    """Whether the rollout of ``generation`` is done, and what it looks like."""
    status = daemonset.get('status') or {}
    observed = status.get('observedGeneration') or 0
    desired = status.get('desiredNumberScheduled') or 0
    updated = status.get('updatedNumberScheduled') or 0
    available = status.get('numberAvailable') or 0
    if observed < generation:
        return Poll(False, 'generation %d not observed yet (observed %d)' % (generation, observed))
    seen = '%d of %d pods updated, %d available' % (updated, desired, available)
    return Poll(updated >= desired and available >= desired, seen)


async def roll_out(kube: UpgradeKube, image: str, deadline: Deadline) -> None:
    """Set the kube-proxy container's image and wait until every pod runs it."""
    patched = await kube.set_container_image(KUBE_SYSTEM, KUBE_PROXY, KUBE_PROXY, image)
    generation = (patched.get('metadata') or {}).get('generation') or 0

    async def check() -> Poll:
        return rollout_state(await kube.daemonset(KUBE_SYSTEM, KUBE_PROXY), generation)

    await wait_for(through_api_outage(check), 'DaemonSet kube-system/kube-proxy to roll out %s' % image, deadline,
                   None, INTERVAL)
