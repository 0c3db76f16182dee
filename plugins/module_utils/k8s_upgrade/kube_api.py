# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes calls a Kubernetes upgrade makes beyond a drain's: Nodes, kube-system pods, the kube-proxy
DaemonSet, and lists of API resources that the target version no longer serves.

The DaemonSet is patched as Talos's manifest sync owns it: a strategic merge patch (the container list merges
by name) with the field manager ``talos`` (pkg/cluster/kubernetes/patch.go @ v1.14.0-rc.1 syncs the bootstrap
manifests under that manager).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.kube.client import (
    STRATEGIC_MERGE, KubeClient, KubeError, api_path, unless_missing)

FIELD_MANAGER = 'talos'


def group_version_resource(resource: str) -> tuple[str, str, str]:
    """(group, version, resource) of ``resource.version.group`` (k8s.io/apimachinery schema.ParseResourceArg's
    form). Only API groups are read: every resource version Kubernetes removes belongs to one."""
    parts = resource.split('.', 2)
    if len(parts) != 3 or not all(parts):
        raise KubeError('cannot read API resource %r: expected resource.version.group' % resource)
    return parts[2], parts[1], parts[0]


class UpgradeKube(KubeClient):
    """A KubeClient with the reads and the one write of a Kubernetes upgrade."""

    async def nodes(self) -> list[dict[str, Any]]:
        listed = await self._request('list nodes', 'get', api_path('api', 'v1', 'nodes'))
        return listed.get('items') or []

    async def pods(self, namespace: str, label_selector: str = '') -> list[dict[str, Any]]:
        selector = {'label_selector': label_selector} if label_selector else {}
        listed = await self._request('list the pods of %s' % namespace, 'get',
                                     api_path('api', 'v1', 'namespaces', namespace, 'pods'), **selector)
        return listed.get('items') or []

    async def optional_daemonset(self, namespace: str, name: str) -> Optional[dict[str, Any]]:
        """The DaemonSet, None when the cluster has none by that name (kube-proxy disabled)."""
        return await unless_missing(self.daemonset(namespace, name))

    async def set_container_image(self, namespace: str, name: str, container: str, image: str) -> dict[str, Any]:
        """Strategic-merge PATCH of one container's image in a DaemonSet's pod template; the DaemonSet after."""
        patch = {'spec': {'template': {'spec': {'containers': [{'name': container, 'image': image}]}}}}
        return await self._request('patch daemonset %s/%s' % (namespace, name), 'patch',
                                   api_path('apis', 'apps', 'v1', 'namespaces', namespace, 'daemonsets', name),
                                   body=patch, field_manager=FIELD_MANAGER, content_type=STRATEGIC_MERGE)

    async def count_objects(self, resource: str) -> Optional[int]:
        """How many objects ``resource.version.group`` holds; None when the API server does not serve it."""
        group, version, plural = group_version_resource(resource)
        listed = await unless_missing(self._request('list %s' % resource, 'get',
                                                    api_path('apis', group, version, plural)))
        return None if listed is None else len(listed.get('items') or [])
