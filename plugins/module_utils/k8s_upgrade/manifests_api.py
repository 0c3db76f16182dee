# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes calls of a bootstrap manifest sync: any kind of object read, server-side applied (for real or
as a dry run) and deleted, and the inventory ConfigMap read and written.

Objects of any kind go through the official client's dynamic client, which finds each kind's resource path from
the API's discovery (as client-go's RESTMapper does for upgrade-k8s); its discovery cache is a file in the
client's private directory, removed with it. An apply is a PATCH with content type
``application/apply-patch+yaml`` under the field manager ``talos`` (siderolabs/talos constants.go
KubernetesFieldManagerName @ v1.14.0-rc.1), forcing ownership of conflicting fields as fluxcd's resource manager
does (fluxcd/pkg ssa/manager_apply.go:ResourceManager.apply, dryRunApply @ ssa/v0.77.0); a body in JSON is YAML.
A prune deletes with background propagation (siderolabs/go-kubernetes kubernetes/ssa/apply.go:Manager.Apply @
0caf1f2).

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import FIELD_MANAGER, UpgradeKube
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import (INVENTORY_NAME,
                                                                                            INVENTORY_NAMESPACE,
                                                                                            ObjRef, ref_of,
                                                                                            version_of)
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError, api_path, unless_missing

APPLY_PATCH = 'application/apply-patch+yaml'
INVENTORY_PATH = api_path('api', 'v1', 'namespaces', INVENTORY_NAMESPACE, 'configmaps', INVENTORY_NAME)


class ManifestsKube(UpgradeKube):
    """An UpgradeKube that also applies, reads and deletes objects of any kind, and keeps the inventory."""

    _dynamic: Any = None

    async def _dynamic_client(self) -> Any:
        if self._dynamic is None:
            import kubernetes.dynamic  # pylint: disable=import-outside-toplevel  # the library loads on first use

            def build() -> Any:
                return kubernetes.dynamic.DynamicClient(self._api,
                                                        cache_file=os.path.join(self._directory, 'discovery.json'))
            try:
                self._dynamic = await asyncio.to_thread(build)
            except self._rest_errors as exc:
                raise self._error(exc, 'read the API discovery') from None
        return self._dynamic

    async def _path(self, group_version: tuple[str, str], kind: str, namespace: str, name: str) -> str:
        """The object's URL path from discovery; ``group_version`` (group, version), the version empty for the
        group's preferred one (an inventory names no version). A kind the API does not serve fails naming it."""
        group, version = group_version
        dynamic = await self._dynamic_client()
        from kubernetes.dynamic.exceptions import ResourceNotFoundError  # pylint: disable=import-outside-toplevel
        # The core group lives under /api, the others under /apis; the search matches an empty field as any.
        query = {'prefix': 'apis' if group else 'api', 'group': group, 'api_version': version, 'kind': kind}
        shown = '%s/%s' % (group, version) if group and version else group or version or 'v1'
        try:
            found = await asyncio.to_thread(dynamic.resources.search, **query)
        except self._rest_errors as exc:
            raise self._error(exc, 'discover %s %s' % (shown, kind)) from None
        except ResourceNotFoundError:
            found = []
        if not found:
            raise KubeError('the Kubernetes API at %s does not serve %s %s' % (self.server, shown, kind), status=404)
        resource = next((r for r in found if r.preferred), found[0])
        return resource.path(name=name, namespace=namespace if resource.namespaced else None)

    async def live_object(self, ref: ObjRef, version: str = '') -> Optional[dict[str, Any]]:
        """The object as the API server has it (``version`` empty: the group's preferred); None when missing."""
        path = await self._path((ref.group, version), ref.kind, ref.namespace, ref.name)
        return await unless_missing(self._request('get %s' % ref.describe(), 'get', path))

    async def server_side_apply(self, obj: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        """The object after a forced server-side apply by ``talos`` (only computed when ``dry_run``)."""
        ref = ref_of(obj)
        path = await self._path((ref.group, version_of(obj.get('apiVersion') or '')), ref.kind, ref.namespace,
                                ref.name)
        query = [('fieldManager', FIELD_MANAGER), ('force', 'true')] + ([('dryRun', 'All')] if dry_run else [])
        return await self._request('%sapply %s' % ('dry-run ' if dry_run else '', ref.describe()), 'patch', path,
                                   body=json.dumps(obj), query_params=query, content_type=APPLY_PATCH)

    async def delete_object(self, ref: ObjRef) -> None:
        path = await self._path((ref.group, ''), ref.kind, ref.namespace, ref.name)
        await self._request('delete %s' % ref.describe(), 'delete', path,
                            query_params=[('propagationPolicy', 'Background')])

    async def inventory(self) -> Optional[dict[str, Any]]:
        """The inventory ConfigMap; None before the first sync."""
        return await unless_missing(self._request('get the inventory', 'get', INVENTORY_PATH))

    async def write_inventory(self, keys: list[str], exists: bool) -> None:
        """The inventory holding exactly ``keys`` (replaced as a whole, or created)."""
        body = {'apiVersion': 'v1', 'kind': 'ConfigMap',
                'metadata': {'name': INVENTORY_NAME, 'namespace': INVENTORY_NAMESPACE},
                'data': {key: '' for key in keys}}
        if exists:
            await self._request('update the inventory', 'put', INVENTORY_PATH, body=body)
        else:
            await self._request('create the inventory', 'post',
                                api_path('api', 'v1', 'namespaces', INVENTORY_NAMESPACE, 'configmaps'), body=body)
