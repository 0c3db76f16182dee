# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstrap etcd once per cluster, with a cluster-wide guard against a split.

Talos refuses a second Bootstrap only on the *same* machine; a Bootstrap on another control plane
starts a second, separate cluster. So before bootstrapping, every reachable control plane is
asked for its etcd service: if any runs etcd, the cluster is bootstrapped and nothing is done.
Talos refuses Bootstrap and EtcdRecover with FAILED_PRECONDITION while the node is not ready for
them yet (container runtime not up, time not in sync, /var not mounted: a few seconds after a
boot); those answers are retried until the deadline, then the failure names the precondition.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, on_codes, retry
from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import upload_snapshot
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import (etcd_service, not_a_control_plane,
                                                                            wait_etcd_up)

RUNNING = 'Running'
# Talos's FAILED_PRECONDITION texts (v1alpha1_server.go:Bootstrap, EtcdRecover) and what they mean.
PRECONDITIONS = {
    'bootstrap is not available yet': 'the container runtime (CRI) is not up yet',
    'time is not in sync yet': 'the node\'s time is not synchronised yet',
    'etcd service is not ready for recovery yet': '/var is not mounted yet',
}


def precondition(exc: TalosError) -> str:
    """What a FAILED_PRECONDITION refusal says, and what it means when we know."""
    meaning = PRECONDITIONS.get(exc.message)
    return 'precondition not met: %s%s' % (exc.message, ' (%s)' % meaning if meaning else '')


async def retry_preconditions(what: str, call: Callable[[], Awaitable[Any]], node: str | None,
                              deadline: Deadline) -> Any:
    """Run ``call()``, again while Talos answers FAILED_PRECONDITION and the deadline allows."""
    return await retry(what, call, on_codes('FAILED_PRECONDITION'), deadline, node, precondition)


async def find_running_etcd(client: TalosClient, controlplanes: list[Any]) -> tuple[list[str], dict[str, str]]:
    """(control planes whose etcd runs, unreachable control planes with their error), each named by address
    (a node-less target is the node behind the first endpoint)."""
    async def one(node: str) -> dict[str, Any] | None:
        return await etcd_service(client, node)
    results = await client.for_nodes(controlplanes, one)
    running, unreachable = [], {}
    for node, result in results.items():
        label = client.settings.node_label(node)
        if isinstance(result, TalosError):
            unreachable[label] = str(result)
        elif result is not None and result['state'] == RUNNING:
            running.append(label)
    return running, unreachable


async def bootstrap(client: TalosClient, node: str | None, controlplanes: list[str], check_mode: bool,
                    recover_from: str | None = None, skip_hash_check: bool = False, wait: bool = True,
                    wait_timeout: float = 300.0) -> dict[str, Any]:
    targets = list(dict.fromkeys([node] + controlplanes))
    running, unreachable = await find_running_etcd(client, targets)
    result: dict[str, Any] = {'changed': False, 'etcd_running_on': running, 'unreachable': unreachable,
                              'recovered': False, 'snapshot': None}
    if running:
        result['msg'] = 'etcd already runs on %s: the cluster is bootstrapped' % ', '.join(running)
        return result
    target = client.settings.node_label(node)
    if target in unreachable:
        raise TalosError('cannot bootstrap: %s' % unreachable[target], node=target)
    if check_mode:
        result.update(changed=True, msg='etcd would be bootstrapped')
        return result
    deadline = Deadline(wait_timeout)  # one budget: the recover upload, Bootstrap and etcd coming up
    if recover_from:
        result['snapshot'] = await retry_preconditions(
            'EtcdRecover', lambda: upload_snapshot(client, node, recover_from, skip_hash_check), node, deadline)
    try:
        await retry_preconditions(
            'Bootstrap', lambda: client.bootstrap(node, recover=bool(recover_from), skip_hash_check=skip_hash_check),
            node, deadline)
    except TalosError as exc:
        if exc.code != 'ALREADY_EXISTS':
            raise not_a_control_plane(exc, node) from None
        result['msg'] = 'the node was bootstrapped already (%s)' % exc.message
        return result
    result.update(changed=True, recovered=bool(recover_from), msg='etcd bootstrapped')
    if wait:
        await wait_etcd_up(client, node, deadline)
        result['msg'] += ' and running'
    return result
