# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The first config of a machine in maintenance mode, and the wait until it serves the Talos API with it.

A maintenance machine has no config to compare with, so every apply is a change; check mode asks
the node for a dry run (validation, no state to disturb). After the apply (any mode but staged) the
machine leaves maintenance mode: without Talos on its disk it installs and reboots; already installed
(e.g. after a reset that wiped only STATE) it boots on with the config, without a reboot. Either way it
is back when it presents an apid certificate issued by the config's OS CA. With mTLS credentials the
wait goes on until it serves the Talos API (booting or running: a control plane waits for bootstrap)
and reports the config as running; readiness is reported, not awaited. Whether it rebooted is read
from the node, not predicted: the events of its current boot still hold its time in maintenance mode
(the ``runningMaintenance`` task) only when it did not reboot. Without mTLS credentials, without
``wait`` and in check mode it is unknown (None); a staged config waits for the next boot (False).

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.apply.compare import parse, same
from ansible_collections.talos.linux.plugins.module_utils.apply.mode import ModeError, plan_mode
from ansible_collections.talos.linux.plugins.module_utils.apply.options import (ApplyOptions, config_diff, mode_name,
                                                                                result, safe_details)
from ansible_collections.talos.linux.plugins.module_utils.apply.tls_probe import served_by, trusted_cas
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import parse_version
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import observe, wait_node
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for

POLL_INTERVAL = 0.5
MAINTENANCE_TASK = 'runningMaintenance'  # published on entering and leaving maintenance mode
HISTORY_IDLE = 1.0  # seconds without a further buffered event: the history has been read
HISTORY_TIMEOUT = 30.0


async def _wait_for_ca(address: str, cas: list[bytes], deadline: Deadline) -> None:
    async def check() -> Poll:
        served = await served_by(address, cas)
        return Poll(bool(served), 'unreachable (rebooting)' if served is None else 'still in maintenance mode')

    await wait_for(check, "the node to come back serving the Talos API with the config's OS CA", deadline, address,
                   POLL_INTERVAL)


async def _wait_running(mtls: Any, node: Optional[str], options: ApplyOptions, deadline: Deadline) -> dict[str, Any]:
    def done(observation: Any) -> bool:
        return observation.up_configured  # not "ready": a control plane waits for bootstrap

    after = await wait_node(lambda: observe(mtls, node), done, 'the node to serve the Talos API with its config',
                            deadline, node)
    running = parse(await mtls.machine_config('v1alpha1', node))
    if not same(running, options.desired.config):
        raise TalosError('the node came back with another configuration than the one applied', node=node)
    return {'boot_id': after.boot_id, 'version': after.version, 'stage': after.stage, **after.readiness()}


async def _rebooted(mtls: Any, node: Optional[str]) -> bool:
    """Whether the node rebooted since it was in maintenance mode: this boot's events lack the maintenance task."""
    stream = mtls.events(node, tail_events=-1, timeout=HISTORY_TIMEOUT).__aiter__()
    try:
        while True:
            try:
                event = await asyncio.wait_for(stream.__anext__(), HISTORY_IDLE)
            except (asyncio.TimeoutError, StopAsyncIteration):
                return True
            if event.get('type') == 'TaskEvent' and event.get('task') == MAINTENANCE_TASK:
                return False
    finally:
        await stream.aclose()


async def apply_first(client: Any, node: Optional[str], options: ApplyOptions,
                      secure_client: Optional[Callable[[], Any]]) -> dict[str, Any]:
    address = client.settings.node_label(node)
    before = await observe(client, node)
    if not before.reachable:
        raise TalosError(before.error or 'unreachable', code='UNAVAILABLE', node=address)
    version = parse_version(before.version)
    if version is None:
        raise TalosError('cannot tell the Talos version of the node (%r)' % before.version, node=address)
    try:
        plan = plan_mode(options.mode, (version.major, version.minor), True)
    except ModeError as exc:
        raise TalosError(str(exc), code='INVALID_ARGUMENT', node=address) from None
    desired = options.desired
    leaves = plan.expected != 'STAGED'  # a staged config waits in maintenance mode for the next boot
    out = result(True, node=address, maintenance=True, talos_version=before.version, mode=mode_name(plan.expected),
                 rebooted=None if leaves else False, warnings=list(desired.warnings),
                 diff=config_diff(None, desired.text, address))
    data = desired.text.encode()
    if options.check_mode:
        answer = await client.apply_configuration(data, plan.send, node, dry_run=True)
    else:
        started = time.monotonic()
        deadline = Deadline(options.wait_timeout)  # one budget: back with the OS CA, then serving its config
        answer = await client.apply_configuration(data, plan.send, node, try_timeout=options.try_timeout)
        out['mode'] = mode_name(answer['mode'])
        if options.wait and leaves:
            await _wait_for_ca(address, trusted_cas(desired.config), deadline)
            if secure_client is not None:
                async with secure_client() as mtls:
                    out.update(await _wait_running(mtls, node, options, deadline))
                    out['rebooted'] = await _rebooted(mtls, node)
            out['duration'] = round(time.monotonic() - started, 3)
    out['warnings'] += answer['warnings']
    out['mode_details'] = safe_details(answer['mode_details'])
    return out
