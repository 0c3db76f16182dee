# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a Talos node's Kubernetes node to a state: drained, cordoned or uncordoned (the drain module).

Idempotent: a cordoned node is not cordoned again, an uncordoned one not uncordoned, and draining a
node that is cordoned already with nothing left to evict changes nothing. Check mode reads only.
Uncordoning follows a reboot (a rolling upgrade uncordons after its health gate): outside check mode it waits
out, up to ``wait_timeout``, a Kubernetes API that is away because the node rebooted was a control plane
(node.py).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient
from ansible_collections.talos.linux.plugins.module_utils.kube.drain import drain
from ansible_collections.talos.linux.plugins.module_utils.kube.kubeconfig_source import kubeconfig
from ansible_collections.talos.linux.plugins.module_utils.kube.node import (cordoned, cordoned_by_us, read_node,
                                                                            read_node_once_served, set_unschedulable,
                                                                            uncordon, wait_ready)
from ansible_collections.talos.linux.plugins.module_utils.kube.nodename import kubernetes_node_name

STATES = ('drained', 'cordoned', 'uncordoned')


async def _drained(kube: KubeClient, name: str, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    report = await drain(kube, name, timeout=params['drain_timeout'],
                         delete_emptydir_data=params['delete_emptydir_data'], check_mode=check_mode)
    changed = not report.already_cordoned or bool(report.evicted)
    verb = 'would drain' if check_mode else 'drained'
    msg = '%s Kubernetes node %s: %d pods evicted' % (verb, name, len(report.evicted)) if changed else \
        'Kubernetes node %s is cordoned and has no pods left to evict' % name
    return {'changed': changed, 'cordoned': report.cordoned or check_mode, 'drain': report.result(), 'msg': msg}


async def _cordoned(kube: KubeClient, name: str, check_mode: bool) -> dict[str, Any]:
    if cordoned(await read_node(kube, name)):
        return {'changed': False, 'cordoned': True, 'msg': 'Kubernetes node %s is cordoned already' % name}
    if not check_mode:
        await set_unschedulable(kube, name, True)
    return {'changed': True, 'cordoned': True, 'msg': 'cordoned Kubernetes node %s' % name}


async def _uncordoned(kube: KubeClient, name: str, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    deadline = Deadline(params['wait_timeout'])
    node = await (read_node(kube, name) if check_mode else read_node_once_served(kube, name, deadline))
    if not cordoned(node):
        return {'changed': False, 'cordoned': False, 'msg': 'Kubernetes node %s is schedulable already' % name}
    if params['only_own'] and not cordoned_by_us(node):
        return {'changed': False, 'cordoned': True,
                'msg': 'Kubernetes node %s stays cordoned: it was cordoned by someone else than this collection' % name}
    if not check_mode:
        if params['wait_ready']:
            await wait_ready(kube, name, deadline)
        await uncordon(kube, name, deadline)
    return {'changed': True, 'cordoned': False, 'msg': 'uncordoned Kubernetes node %s' % name}


async def ensure(client: Any, node: Optional[str], state: str, params: dict[str, Any],
                 check_mode: bool) -> dict[str, Any]:
    """Bring the Kubernetes node of Talos node ``node`` to ``state``; the module's result."""
    config = await kubeconfig(params.get('kubeconfig'), client)
    name = await kubernetes_node_name(client, node)
    async with KubeClient(config, 'for talos.linux.drain') as kube:
        if state == 'drained':
            result = await _drained(kube, name, params, check_mode)
        elif state == 'cordoned':
            result = await _cordoned(kube, name, check_mode)
        else:
            result = await _uncordoned(kube, name, params, check_mode)
    result['node_name'] = name
    return result
