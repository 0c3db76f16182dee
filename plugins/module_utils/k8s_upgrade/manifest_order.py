# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order bootstrap manifests are applied in, as upgrade-k8s's server-side apply orders them.

Stages first (fluxcd/pkg ssa/manager_apply.go:ResourceManager.ApplyAllStaged, ssa/utils/is.go @ ssa/v0.77.0,
the version siderolabs/go-kubernetes 0caf1f2 builds with): cluster definitions (CustomResourceDefinitions,
Namespaces, ClusterRoles), then class definitions (every kind ending in ``Class``), then the custom stage
upgrade-k8s asks for - ConfigMaps and Secrets, so that a workload whose pod template carries their checksum
rolls after they changed (siderolabs/talos pkg/cluster/kubernetes/talos_managed.go:syncManifestsSSA @
v1.14.0-rc.1) - then everything else. Within a stage, by kind in fluxcd's reconcile order (ssa/sort.go:
ReconcileOrder: a Service before what refers to it, webhooks last), then group, kind, namespace and name.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import ObjRef, ref_of

RECONCILE_FIRST = ('CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterClass', 'RuntimeClass',
                   'PriorityClass', 'StorageClass', 'VolumeSnapshotClass', 'IngressClass', 'GatewayClass',
                   'ClusterRoleBinding', 'ResourceQuota', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap',
                   'Secret', 'Service', 'LimitRange', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget')
RECONCILE_LAST = ('MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration')
CUSTOM_STAGE = frozenset((('', 'ConfigMap'), ('', 'Secret')))


def stage_of(obj: dict[str, Any]) -> int:
    """0 cluster definitions, 1 class definitions, 2 ConfigMaps and Secrets, 3 the rest."""
    kind = obj.get('kind') or ''
    api_version = obj.get('apiVersion') or ''
    if ((kind == 'CustomResourceDefinition' and api_version.startswith('apiextensions.k8s.io/'))
            or (kind == 'Namespace' and api_version == 'v1')
            or (kind == 'ClusterRole' and api_version.startswith('rbac.authorization.k8s.io/'))):
        return 0
    if kind.endswith('Class'):
        return 1
    ref = ref_of(obj)
    return 2 if (ref.group, ref.kind) in CUSTOM_STAGE else 3


def kind_rank(kind: str) -> int:
    """Negative for the kinds reconciled first (in their order), 0 for the unlisted, positive for the last."""
    if kind in RECONCILE_FIRST:
        return RECONCILE_FIRST.index(kind) - len(RECONCILE_FIRST)
    if kind in RECONCILE_LAST:
        return RECONCILE_LAST.index(kind) + 1
    return 0


def sort_key(obj: dict[str, Any]) -> tuple[int, int, str, str, str, str]:
    ref: ObjRef = ref_of(obj)
    return (stage_of(obj), kind_rank(ref.kind), ref.group, ref.kind, ref.namespace, ref.name)


def apply_order(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objects, key=sort_key)
