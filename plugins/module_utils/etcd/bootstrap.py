# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstrap etcd once per cluster, with a cluster-wide guard against a split.

Talos refuses a second Bootstrap only on the *same* machine; a Bootstrap on another control plane
starts a second, separate cluster. So before bootstrapping, every control plane is asked whether it
was bootstrapped (etcd.bootstrap_guard): if one was, nothing is done; if one cannot be asked, the
bootstrap is refused unless forced. The last check and the Bootstrap call run under the cluster's
bootstrap lock (etcd.bootstrap_lock), so callers racing on this machine see each other's bootstrap.
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
from ansible_collections.talos.linux.plugins.module_utils.etcd.bootstrap_guard import ETCD_RUNS, Survey, survey
from ansible_collections.talos.linux.plugins.module_utils.etcd.bootstrap_lock import bootstrap_lock
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import not_a_control_plane, wait_etcd_up

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


def bootstrapped_message(bootstrapped: dict[str, str]) -> str:
    running = [node for node, evidence in sorted(bootstrapped.items()) if evidence == ETCD_RUNS]
    requested = ['%s (%s)' % item for item in sorted(bootstrapped.items()) if item[1] != ETCD_RUNS]
    parts = (['etcd already runs on %s' % ', '.join(running)] if running else []) + (
        ['already bootstrapped on %s' % ', '.join(requested)] if requested else [])
    return '%s: the cluster is bootstrapped' % '; '.join(parts)


def judge(found: Survey, target: str, force: bool) -> dict[str, Any]:
    """The result so far; ``msg`` is set when the survey settles it (bootstrapped already). TalosError when the
    target cannot be reached, or another control plane could not be asked and ``force`` is not set."""
    if target in found.unreachable:
        raise TalosError('cannot bootstrap: %s' % found.unreachable[target], node=target)
    result: dict[str, Any] = {'changed': False, 'etcd_running_on': sorted(found.bootstrapped),
                              'unreachable_nodes': found.unreachable, 'checked': found.checked,
                              'recovered': False, 'snapshot': None}
    if found.bootstrapped:
        result['msg'] = bootstrapped_message(found.bootstrapped)
    elif found.unreachable and not force:
        raise TalosError('refusing to bootstrap: cannot tell whether etcd was bootstrapped on %s, and a bootstrap '
                         'while another control plane runs etcd splits the cluster in two; set force=true when '
                         'you know it does not (%s)' % (
                             ', '.join(sorted(found.unreachable)),
                             '; '.join('%s: %s' % item for item in sorted(found.unreachable.items()))),
                         node=target)
    return result


async def refuse_without_etcd(client: TalosClient, node: str | None, target: str) -> None:
    """The target runs no etcd service: Talos tells whether it is a control plane at all (UNIMPLEMENTED
    otherwise); a control plane that has not loaded etcd yet cannot be checked, so it is not bootstrapped."""
    try:
        await client.etcd_members(node)
    except TalosError as exc:
        if exc.code == 'UNIMPLEMENTED':
            raise not_a_control_plane(exc, node) from None
    raise TalosError('cannot bootstrap: the node runs no etcd service yet', node=target)


async def bootstrap(client: TalosClient, node: str | None, controlplanes: list[str], check_mode: bool,
                    recover_from: str | None = None, skip_hash_check: bool = False, wait: bool = True,
                    wait_timeout: float = 300.0, force: bool = False) -> dict[str, Any]:
    target = client.settings.node_label(node)
    found = await survey(client, node, controlplanes)
    if target in found.without_etcd:
        await refuse_without_etcd(client, node, target)
    result = judge(found, target, force)
    if 'msg' in result:
        return result
    if check_mode:
        result.update(changed=True, msg='etcd would be bootstrapped')
        return result
    deadline = Deadline(wait_timeout)  # one budget: the recover upload, Bootstrap and etcd coming up
    snapshot = None
    if recover_from:
        snapshot = await retry_preconditions(
            'EtcdRecover', lambda: upload_snapshot(client, node, recover_from, skip_hash_check), node, deadline)
    async with bootstrap_lock(client.settings, deadline):
        # Again, right before the call: another caller may have bootstrapped a node since the first look.
        result = judge(await survey(client, node, controlplanes), target, force)
        result['snapshot'] = snapshot
        if 'msg' in result:
            return result
        try:
            await retry_preconditions(
                'Bootstrap', lambda: client.bootstrap(node, recover=bool(recover_from),
                                                      skip_hash_check=skip_hash_check), node, deadline)
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
