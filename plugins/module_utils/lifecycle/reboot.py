# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot a node (or roll it back to its previous Talos, which reboots it) and wait until it is back.

Private module: free to change between releases.
"""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Observation, Rebooted, observe, wait_until

# Extra time given to the events stream beyond the wait itself.
STREAM_MARGIN = 30.0


async def reboot_and_wait(client: Any, node: Optional[str], action: Callable[[], Awaitable[Optional[str]]],
                          wait: bool, timeout: float, version: Optional[str] = None,
                          before: Optional[Observation] = None) -> dict[str, Any]:
    """Run ``action()`` (it returns the actor ID, if any) and, with ``wait``, wait for the node's next boot.

    The wait ends when the node is back and booted (``Rebooted``), not when it is ready: a rebooted
    node whose Kubernetes is not up yet has still rebooted. Its readiness is in the result."""
    before = before or await observe(client, node)
    started = time.monotonic()
    result: dict[str, Any] = {'boot_id_before': before.boot_id, 'version_before': before.version}
    watcher = EventWatcher(client, node, timeout + STREAM_MARGIN)
    if wait:
        await watcher.start()
    try:
        watcher.actor_id = await action()
        result['actor_id'] = watcher.actor_id
        if wait:
            done = Rebooted(before.boot_id, version, before.stage)
            after = await wait_until(lambda: observe(client, node), done, done.description, timeout, node, watcher)
            result.update(boot_id=after.boot_id, version=after.version, stage=after.stage, **after.readiness())
    finally:
        await watcher.stop()
    result['duration'] = round(time.monotonic() - started, 3)
    return result


async def reboot(client: Any, node: Optional[str], mode: str, wait: bool, timeout: float) -> dict[str, Any]:
    return await reboot_and_wait(client, node, lambda: client.reboot(node, mode.upper()), wait, timeout)


async def rollback(client: Any, node: Optional[str], wait: bool, timeout: float) -> dict[str, Any]:
    async def action() -> None:
        await client.rollback(node)  # Talos gives no actor ID for a rollback
    return await reboot_and_wait(client, node, action, wait, timeout)
