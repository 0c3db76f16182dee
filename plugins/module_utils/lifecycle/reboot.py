# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot a node (or roll it back to its previous Talos, which reboots it) and wait until it is back.

Private module: free to change between releases.
"""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import Observation, observe, wait_node
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline

# Extra time given to the events stream beyond the wait itself.
STREAM_MARGIN = 30.0


class Rebooted:
    """``done`` predicate: the node is back (new boot ID, or seen down when the boot ID is unreadable)
    and has finished booting, optionally at a given version.

    Finished booting is what a reboot guarantees, not readiness: stage ``running`` (its services
    are up), or — for a node that was not ``running`` before either, such as a control plane
    waiting for bootstrap — any stage past the power cycle (``booting``), since it cannot get further
    on its own. Readiness (Kubernetes) is reported separately by the caller.
    """

    def __init__(self, boot_id: Optional[str], version: Optional[str] = None,
                 stage_before: Optional[str] = 'running') -> None:
        self.boot_id = boot_id
        self.version = version
        self.went_away = False
        self.stage_before = stage_before

    def back(self, observation: Observation) -> bool:
        if observation.booted:
            return True
        return observation.reachable and observation.stage == 'booting' and self.stage_before != 'running'

    def __call__(self, observation: Observation) -> bool:
        if not observation.reachable or observation.stage in ('rebooting', 'upgrading', 'booting', 'unknown'):
            self.went_away = True
        if not self.back(observation):
            return False
        if self.boot_id is not None and observation.boot_id is not None:
            if observation.boot_id == self.boot_id:
                return False
        elif not self.went_away:
            return False
        if self.version is not None and observation.version != self.version:
            raise TalosError('the node rebooted into Talos %s, not %s' % (observation.version, self.version))
        return True

    @property
    def description(self) -> str:
        text = 'the node to come back with a new boot ID and finish booting (stage running)'
        if self.stage_before != 'running':
            text = 'the node to come back with a new boot ID'
        if self.version:
            text += ' on Talos %s' % self.version
        return text


async def reboot_and_wait(client: Any, node: Optional[str], action: Callable[[], Awaitable[Optional[str]]],
                          wait: bool, deadline: Deadline, version: Optional[str] = None,
                          before: Optional[Observation] = None) -> dict[str, Any]:
    """Run ``action()`` (it returns the actor ID, if any) and, with ``wait``, wait for the node's next boot
    within the operation's ``deadline``.

    The wait ends when the node is back and booted (``Rebooted``), not when it is ready: a rebooted
    node whose Kubernetes is not up yet has still rebooted. Its readiness is in the result."""
    before = before or await observe(client, node)
    started = time.monotonic()
    result: dict[str, Any] = {'boot_id_before': before.boot_id, 'version_before': before.version}
    watcher = EventWatcher(client, node, deadline.remaining() + STREAM_MARGIN)
    if wait:
        await watcher.start()
    try:
        watcher.actor_id = await action()
        result['actor_id'] = watcher.actor_id
        if wait:
            done = Rebooted(before.boot_id, version, before.stage)
            after = await wait_node(lambda: observe(client, node), done, done.description, deadline, node, watcher)
            result.update(boot_id=after.boot_id, version=after.version, stage=after.stage, **after.readiness())
    finally:
        await watcher.stop()
    result['duration'] = round(time.monotonic() - started, 3)
    return result


async def reboot(client: Any, node: Optional[str], mode: str, wait: bool, deadline: Deadline) -> dict[str, Any]:
    return await reboot_and_wait(client, node, lambda: client.reboot(node, mode.upper()), wait, deadline)


async def rollback(client: Any, node: Optional[str], wait: bool, deadline: Deadline) -> dict[str, Any]:
    async def action() -> None:
        await client.rollback(node)  # Talos gives no actor ID for a rollback
    return await reboot_and_wait(client, node, action, wait, deadline)
