# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos's bootstrap manifests synced into the cluster by server-side apply, as upgrade-k8s does at its end
(siderolabs/talos pkg/cluster/kubernetes/talos_managed.go:PerformManifestsSync, syncManifestsSSA @
v1.14.0-rc.1; siderolabs/go-kubernetes kubernetes/manifests/get.go:GetBootstrapManifests,
kubernetes/ssa/apply.go:Manager.Apply and diff.go:Manager.Diff @ 0caf1f2).

1. The objects: the ``Manifests`` resources of the first control plane (namespace ``controlplane``), in id order,
   each one's objects in order; each annotated with the inventory that owns it (manifest_refs.py).
2. Each object, in stage order (manifest_order.py): read, refused when another inventory owns it, applied as a
   dry run and the action told from it (manifest_drift.py); in a real run, applied when not unchanged.
3. The inventory then lists what it listed plus what was applied; what it lists that is no longer rendered is
   deleted (``manifests_prune``), unless another inventory owns it; gone objects leave the inventory.
4. The DaemonSets and Deployments are waited for until rolled out (``manifests_wait``).

Check mode stops after the dry runs and reads; unlike upgrade-k8s's dry run it does not create the inventory.
Talos runs the server-side apply sync from 1.13 on (compatibility/talos_version.go:SupportsSSAManifestSync):
upgrade-k8s syncs older clusters another way, which this module does not, so it refuses them.

Private module: free to change between releases.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_drift import (CREATED, PRUNED,
                                                                                             UNCHANGED, decide)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_order import apply_order
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import (
    INVENTORY_NAME, OWNING_INVENTORY, ObjRef, other_owner, parse_key, prune_refs, ref_of, version_of)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_rollouts import wait_rolled_out
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifests_api import ManifestsKube
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError

MANIFESTS = ('controlplane', 'Manifests.kubernetes.talos.dev')
SSA_SINCE = (1, 13)


def require_ssa_sync(talos_versions: dict[str, str]) -> None:
    """Every node runs a Talos that syncs its manifests by server-side apply."""
    for node, tag in talos_versions.items():
        found = re.match(r'v?(\d+)\.(\d+)', tag or '')
        if found and (int(found.group(1)), int(found.group(2))) < SSA_SINCE:
            raise TalosError('manifests: Talos %s syncs its bootstrap manifests without server-side apply, which '
                             'this module does not do; every node must run Talos 1.13 or newer (nothing was changed)'
                             % tag, node=node)


def owned(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of a rendered object that names this inventory as its owner."""
    owned_obj = copy.deepcopy(obj)
    annotations = owned_obj.setdefault('metadata', {}).setdefault('annotations', None) or {}
    if annotations.get(OWNING_INVENTORY, INVENTORY_NAME) != INVENTORY_NAME:
        raise TalosError('the bootstrap manifest %s names another inventory, %s' % (
            ref_of(obj).describe(), annotations[OWNING_INVENTORY]))
    owned_obj['metadata']['annotations'] = dict(annotations, **{OWNING_INVENTORY: INVENTORY_NAME})
    return owned_obj


def manifest_id(resource: dict[str, Any]) -> str:
    return resource['metadata']['id']


async def rendered_objects(client: Any, node: str) -> list[dict[str, Any]]:
    resources = sorted([resource async for resource in client.list_resources(*MANIFESTS, node=node)],
                       key=manifest_id)
    return [obj for resource in resources for obj in resource.get('spec') or [] if isinstance(obj, dict)]


def entry(ref: ObjRef, action: str) -> dict[str, Any]:
    return {'kind': ref.kind, 'namespace': ref.namespace or None, 'name': ref.name, 'action': action}


def refuse_owner(ref: ObjRef, owner: str) -> TalosError:
    return TalosError('%s belongs to the inventory %s, not %s: left alone (policy AdoptIfNoInventory)' % (
        ref.describe(), owner, INVENTORY_NAME))


async def object_action(kube: ManifestsKube, obj: dict[str, Any]) -> str:
    ref = ref_of(obj)
    live = await kube.live_object(ref, version_of(obj.get('apiVersion') or ''))
    owner = other_owner(live)
    if owner:
        raise refuse_owner(ref, owner)
    try:
        dry_run = await kube.server_side_apply(obj, dry_run=True)
    except KubeError as exc:
        # A namespace created in the same sync does not exist yet for a dry run (ssa/diff.go:Manager.diff).
        if exc.status == 404 and live is None:
            return CREATED
        raise
    return decide(live, dry_run)


async def prune(kube: ManifestsKube, refs: list[ObjRef], check_mode: bool, inventory: list[ObjRef],
                report: list[dict[str, Any]]) -> None:
    """Delete ``refs`` (report only in check mode); each gone or deleted one leaves ``inventory``."""
    for ref in refs:
        live = await kube.live_object(ref)
        if live is None:
            inventory.remove(ref)
            continue
        owner = other_owner(live)
        if owner:
            raise refuse_owner(ref, owner)
        if not check_mode:
            await kube.delete_object(ref)
        inventory.remove(ref)
        report.append(entry(ref, PRUNED))


async def sync_manifests(client: Any, kube: ManifestsKube, node: str, params: dict[str, Any], check_mode: bool,
                         report: list[dict[str, Any]]) -> bool:
    """Sync the manifests ``node`` renders, each action appended to ``report``; whether anything changed (or
    would change in check mode)."""
    objects = apply_order([owned(obj) for obj in await rendered_objects(client, node)])
    stored = await kube.inventory()
    before = [parse_key(key) for key in sorted((stored or {}).get('data') or {})]
    inventory = list(before)
    for obj in objects:
        ref = ref_of(obj)
        action = await object_action(kube, obj)
        if action != UNCHANGED and not check_mode:
            await kube.server_side_apply(obj, dry_run=False)
        report.append(entry(ref, action))
        if ref not in inventory:
            inventory.append(ref)
    if not check_mode and inventory != before:
        await kube.write_inventory([ref.key() for ref in inventory], stored is not None)
    if params['manifests_prune']:
        applied = list(inventory)
        await prune(kube, prune_refs(applied, [ref_of(obj) for obj in objects]), check_mode, inventory, report)
        if not check_mode and inventory != applied:
            await kube.write_inventory([ref.key() for ref in inventory], True)
    if params['manifests_wait'] and not check_mode:
        await wait_rolled_out(kube, [ref_of(obj) for obj in objects], Deadline(params['wait_timeout']))
    return inventory != before or any(item['action'] != UNCHANGED for item in report)


async def with_manifests(client: Any, kube: ManifestsKube, node: str, params: dict[str, Any], check_mode: bool,
                         result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with the manifest sync's ``manifests`` when asked for (``manifests``); a failure keeps what
    was done in its result."""
    if not params['manifests']:
        return result
    report: list[dict[str, Any]] = []
    result['manifests'] = report
    try:
        changed = await sync_manifests(client, kube, node, params, check_mode, report)
    except TalosError as exc:
        exc.message = 'syncing the bootstrap manifests: %s' % exc.message
        exc.result = dict(result, changed=True)
        raise
    touched = sum(1 for item in report if item['action'] != UNCHANGED)
    result['changed'] = result['changed'] or changed
    result['msg'] = '%s; %s %d of %d bootstrap manifest objects' % (
        result['msg'], 'would change' if check_mode else 'changed', touched, len(report))
    return result
