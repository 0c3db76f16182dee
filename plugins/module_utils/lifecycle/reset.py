# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reset a node (wipe its system disk, volumes or user disks) and wait for the outcome.

With ``reboot`` the node comes back: in maintenance mode when its STATE volume (the machine
config) was wiped, else configured with a new boot ID. Without it the node powers off.

Private module: free to change between releases.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import Observation, observe, wait_node
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import Rebooted

STREAM_MARGIN = 30.0
WIPE_MODES = {'all': 'ALL', 'system-disk': 'SYSTEM_DISK', 'user-disks': 'USER_DISKS'}


def maintenance_settings(settings: ConnectionSettings, node: Optional[str]) -> ConnectionSettings:
    """Straight to the node over maintenance-mode TLS (no client certificate, nothing to verify)."""
    address = settings.node_label(node)
    return replace(settings, endpoints=[address], nodes=[], ca=None, crt=None, key=None, insecure=True)


class BackAfterReset:
    """Done when the node answers in maintenance mode, or configured again after a new boot."""

    def __init__(self, boot_id: Optional[str]) -> None:
        self.rebooted = Rebooted(boot_id)

    def __call__(self, observation: Observation) -> bool:
        return (observation.reachable and observation.stage == 'maintenance') or self.rebooted(observation)


async def reset(client: Any, maintenance_client: Any, node: Optional[str], *, graceful: bool, reboot: bool,
                wipe_mode: str, labels: list[str], user_disks: list[str], wait: bool,
                deadline: Deadline) -> dict[str, Any]:
    before = await observe(client, node)
    started = time.monotonic()
    result: dict[str, Any] = {'boot_id_before': before.boot_id}

    async def look() -> Observation:
        current = await observe(client, node)
        if current.reachable or not reboot:
            return current
        in_maintenance = await observe(maintenance_client, None)
        return in_maintenance if in_maintenance.reachable else current

    watcher = EventWatcher(client, node, deadline.remaining() + STREAM_MARGIN)
    if wait:
        await watcher.start()
    try:
        watcher.actor_id = result['actor_id'] = await client.reset(
            node, graceful=graceful, reboot=reboot, mode=WIPE_MODES[wipe_mode], system_labels=labels,
            user_disks=user_disks)
        if wait and reboot:
            after = await wait_node(look, BackAfterReset(before.boot_id),
                                    'the node to come back (in maintenance mode, or configured with a new boot ID)',
                                    deadline, node, watcher)
            result.update(stage=after.stage, maintenance=after.stage == 'maintenance', boot_id=after.boot_id)
        elif wait:
            await wait_node(look, lambda seen: not seen.reachable, 'the node to power off', deadline, node, watcher)
    finally:
        await watcher.stop()
    result['duration'] = round(time.monotonic() - started, 3)
    return result
