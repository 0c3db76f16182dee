# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workloads of the synced bootstrap manifests waited for until rolled out, on one deadline.

upgrade-k8s waits for every synced object to be ready (siderolabs/talos pkg/cluster/kubernetes/talos_managed.go:
syncManifestsSSA, unless its reconcile timeout is 0 @ v1.14.0-rc.1); the objects that take time are the
DaemonSets and Deployments, read as ``kubectl rollout status`` reads them (staging/src/k8s.io/kubectl/pkg/
polymorphichelpers/rollout_status.go:DaemonSetStatusViewer.Status, DeploymentStatusViewer.Status @ v1.34.0):
the controller has observed the object's generation, every replica is updated and available, no old one left.
The waits ride out the API going away (kube/api_outage.py).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for
from ansible_collections.talos.linux.plugins.module_utils.kube.api_outage import through_api_outage
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_proxy import rollout_state
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import ObjRef
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifests_api import ManifestsKube

INTERVAL = 1.0
WORKLOADS = frozenset((('apps', 'DaemonSet'), ('apps', 'Deployment')))


def deployment_state(deployment: dict[str, Any]) -> Poll:
    generation = (deployment.get('metadata') or {}).get('generation') or 0
    status = deployment.get('status') or {}
    wanted = (deployment.get('spec') or {}).get('replicas', 1)
    updated = status.get('updatedReplicas') or 0
    total = status.get('replicas') or 0
    available = status.get('availableReplicas') or 0
    if (status.get('observedGeneration') or 0) < generation:
        return Poll(False, 'generation %d not observed yet' % generation)
    seen = '%d of %d replicas updated, %d in all, %d available' % (updated, wanted, total, available)
    return Poll(updated >= wanted and total <= updated and available >= updated, seen)


def workload_state(ref: ObjRef, live: Any) -> Poll:
    if not live:
        return Poll(False, 'not found')
    if ref.kind == 'Deployment':
        return deployment_state(live)
    return rollout_state(live, (live.get('metadata') or {}).get('generation') or 0)


async def wait_rolled_out(kube: ManifestsKube, refs: list[ObjRef], deadline: Deadline) -> None:
    """Until each DaemonSet and Deployment among ``refs`` has rolled out."""
    for ref in refs:
        if (ref.group, ref.kind) not in WORKLOADS:
            continue

        async def check(ref: ObjRef = ref) -> Poll:
            return workload_state(ref, await kube.live_object(ref))

        await wait_for(through_api_outage(check), '%s to roll out' % ref.describe(), deadline, None, INTERVAL)
