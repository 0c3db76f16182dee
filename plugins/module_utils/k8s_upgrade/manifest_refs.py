# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which objects Talos's bootstrap manifests own: their references, the inventory that lists them, and who may
change or delete an object.

The inventory is the ConfigMap ``kube-system/talos-bootstrap-manifests-inventory`` (siderolabs/talos
pkg/machinery/constants/constants.go KubernetesInventoryNamespace, KubernetesBootstrapManifestsInventoryName @
v1.14.0-rc.1); each data key is one object in cli-utils' form ``<namespace>_<name>_<group>_<kind>`` with an empty
value, a colon in an RBAC object's name written ``__`` (kubernetes-sigs/cli-utils pkg/object/objmetadata.go:
ObjMetadata.String, ParseObjMetadata; siderolabs/go-kubernetes kubernetes/ssa/internal/inventory/configmap/
inventory.go:Write @ 0caf1f2). Its ID is its name, and every applied object carries it in the annotation
``config.k8s.io/owning-inventory`` (kubernetes/ssa/inventory.go InventoryAnnotationKey, apply.go:prepareObjects).

The policy is upgrade-k8s's default, AdoptIfNoInventory (cmd/talosctl/cmd/talos/upgrade-k8s.go @ v1.14.0-rc.1;
kubernetes/ssa/inventory_policy.go:checkInventoryPolicy @ 0caf1f2): an object without the annotation or with
this inventory's may be taken over or pruned, one that names another inventory may not.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

INVENTORY_NAMESPACE = 'kube-system'
INVENTORY_NAME = 'talos-bootstrap-manifests-inventory'
OWNING_INVENTORY = 'config.k8s.io/owning-inventory'
FIELD_SEPARATOR = '_'
COLON = '__'
RBAC_KINDS = frozenset(('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'))
RBAC_GROUP = 'rbac.authorization.k8s.io'


class ObjRef(NamedTuple):
    """An object by what names it in the API: no version (every version of a kind is the same object)."""

    namespace: str
    name: str
    group: str
    kind: str

    def key(self) -> str:
        """The inventory's data key for this object."""
        name = self.name.replace(':', COLON) if self._rbac() else self.name
        return FIELD_SEPARATOR.join((self.namespace, name, self.group, self.kind))

    def _rbac(self) -> bool:
        return self.group == RBAC_GROUP and self.kind in RBAC_KINDS

    def describe(self) -> str:
        return '%s %s' % (self.kind, '%s/%s' % (self.namespace, self.name) if self.namespace else self.name)


def parse_key(key: str) -> ObjRef:
    """An inventory data key read back: namespace up to the first separator, kind and group from the end."""
    namespace, separator, rest = key.partition(FIELD_SEPARATOR)
    rest, separator_kind, kind = rest.rpartition(FIELD_SEPARATOR)
    name, separator_group, group = rest.rpartition(FIELD_SEPARATOR)
    name = name.replace(COLON, ':')
    if not (separator and separator_kind and separator_group) or FIELD_SEPARATOR in name or not name or not kind:
        raise TalosError('the inventory %s/%s holds a key that names no object: %r'
                         % (INVENTORY_NAMESPACE, INVENTORY_NAME, key))
    return ObjRef(namespace, name, group, kind)


def group_of(api_version: str) -> str:
    """The API group of ``apiVersion`` (``apps/v1`` -> ``apps``, the core ``v1`` -> empty)."""
    return api_version.rpartition('/')[0]


def version_of(api_version: str) -> str:
    """The version of ``apiVersion`` (``apps/v1`` -> ``v1``)."""
    return api_version.rpartition('/')[2]


def ref_of(obj: dict[str, Any]) -> ObjRef:
    metadata = obj.get('metadata') or {}
    return ObjRef(metadata.get('namespace') or '', metadata.get('name') or '', group_of(obj.get('apiVersion') or ''),
                  obj.get('kind') or '')


def prune_refs(inventory: list[ObjRef], rendered: list[ObjRef]) -> list[ObjRef]:
    """The inventory's objects no longer rendered. A cluster-scoped reference matches whatever namespace the
    rendered object names (kubernetes/ssa/apply.go:calculatePruneObjects @ 0caf1f2)."""
    def still_rendered(ref: ObjRef) -> bool:
        return any(r.group == ref.group and r.kind == ref.kind and r.name == ref.name
                   and (r.namespace == ref.namespace or not ref.namespace) for r in rendered)
    return [ref for ref in inventory if not still_rendered(ref)]


def other_owner(obj: Optional[dict[str, Any]]) -> Optional[str]:
    """The other inventory that owns the live ``obj``; None when this one may change or delete it."""
    annotations = ((obj or {}).get('metadata') or {}).get('annotations') or {}
    owner = annotations.get(OWNING_INVENTORY)
    return owner if owner and owner != INVENTORY_NAME else None
