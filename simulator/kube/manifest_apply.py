# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a control plane's Talos puts its bootstrap manifests into a new cluster.

``internal/app/machined/pkg/controllers/k8s/manifest_apply.go:ManifestApplyController.applyManifests/apply
@ v1.14.0-rc.1``: the manifests in id order, each object not yet in the inventory and not in the cluster is
created by server-side apply with field manager ``talos`` (constants.KubernetesFieldManagerName) and the
annotation ``config.k8s.io/owning-inventory: talos-bootstrap-manifests-inventory``
(siderolabs/go-kubernetes ``kubernetes/ssa/inventory.go:InventoryAnnotationKey @ 0caf1f2``); an object that
exists already is only added to the inventory. The inventory is the ConfigMap
``kube-system/talos-bootstrap-manifests-inventory`` whose data keys are the objects' ``<namespace>_<name>_<group>_
<kind>`` with empty values (go-kubernetes ``kubernetes/ssa/internal/inventory/configmap/inventory.go:Write``,
fluxcd cli-utils ``ObjMetadata.String``). Objects are never changed afterwards: that is ``talosctl upgrade-k8s``'s
job. Not emulated: the etcd mutex around it (talos-sim applies from one loop).
"""

from __future__ import annotations

from typing import Optional

from simulator.kube import api_types, server_side_apply
from simulator.kube.api_types import Obj, Resource
from simulator.kube.errors import ApiError
from simulator.kube.store import Store, now_rfc3339
from simulator.kube.strategic_merge import schema_for

FIELD_MANAGER = 'talos'
INVENTORY_NAMESPACE = 'kube-system'
INVENTORY_NAME = 'talos-bootstrap-manifests-inventory'
INVENTORY_ANNOTATION = 'config.k8s.io/owning-inventory'


def resource_of(obj: Obj) -> Optional[Resource]:
    """The served resource of an object's apiVersion and kind (the REST mapping)."""
    return next((r for r in api_types.RESOURCES.values()
                 if r.group_version == obj.get('apiVersion') and r.kind == obj.get('kind')), None)


def inventory_key(res: Resource, obj: Obj) -> str:
    meta = obj['metadata']
    namespace = meta.get('namespace', 'default') if res.namespaced else ''
    return '%s_%s_%s_%s' % (namespace, meta['name'].replace(':', '__'), res.group, res.kind)


def _inventory(store: Store) -> Obj:
    try:
        return store.get('configmaps', INVENTORY_NAMESPACE, INVENTORY_NAME)
    except ApiError as err:
        if err.code != 404:
            raise
    return store.create('configmaps', {'metadata': {'name': INVENTORY_NAME, 'namespace': INVENTORY_NAMESPACE}})


def apply_manifests(store: Store, manifests: list[tuple[str, list[Obj]]]) -> None:
    """Create what is missing from ``manifests`` ((id, objects)) and record every object in the inventory."""
    inventory = _inventory(store)
    listed = dict(inventory.get('data') or {})
    for _manifest_id, objects in sorted(manifests):
        for obj in objects:
            res = resource_of(obj)
            if res is None:
                continue  # upstream: no REST mapping, reported and skipped
            key = inventory_key(res, obj)
            if key in listed:
                continue
            meta = obj['metadata']
            try:
                store.get(res.name, meta.get('namespace'), meta['name'])
            except ApiError as err:
                if err.code != 404:
                    raise
                applied = dict(obj, metadata=dict(meta, annotations=dict(meta.get('annotations') or {},
                                                                         **{INVENTORY_ANNOTATION: INVENTORY_NAME})))
                store.create(res.name, server_side_apply.apply(None, applied, FIELD_MANAGER, False,
                                                               schema_for(res.name), now_rfc3339()))
            listed[key] = ''
    if listed != (inventory.get('data') or {}):
        inventory['data'] = listed
        store.update('configmaps', inventory)
