# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Talos node's name in Kubernetes, as the node itself says it (the Nodename resource).

talosctl resolves it the same way before a drain (cmd/talosctl/pkg/talos/nodedrain/nodedrain.go:
GetKubernetesNodeName @ v1.14.0-rc.1): the hostname is not always the node name (``nodeLabels``,
``kubelet.registerWithFQDN``), and an address never is.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

NODENAME = ('k8s', 'Nodenames.kubernetes.talos.dev', 'nodename')


async def kubernetes_node_name(client: Any, node: Optional[str]) -> str:
    """The Kubernetes node name of ``node`` (None: the node behind the endpoint)."""
    try:
        resource = await client.get_resource(*NODENAME, node=node)
    except TalosError as exc:
        if exc.code == 'NOT_FOUND':
            raise TalosError('cannot tell the Kubernetes node name: the node has no Nodename resource '
                             '(not configured, or Kubernetes not set up on it)', code=exc.code,
                             node=exc.node or node, endpoint=exc.endpoint) from None
        raise
    spec = resource.get('spec') or {}
    if spec.get('skipNodeRegistration'):
        raise TalosError('the node does not register with Kubernetes (kubelet.skipNodeRegistration), so it has '
                         'no Kubernetes node to drain', node=node)
    name = spec.get('nodename')
    if not name:
        raise TalosError('cannot tell the Kubernetes node name: the Nodename resource is empty', node=node)
    return name
