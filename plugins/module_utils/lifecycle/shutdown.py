# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shut a node down and (optionally) wait until it no longer answers.

Private module: free to change between releases.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import observe, wait_node
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline

STREAM_MARGIN = 30.0


def gone(observation: Any) -> bool:
    return not observation.reachable


async def shutdown(client: Any, node: Optional[str], force: bool, wait: bool, deadline: Deadline) -> dict[str, Any]:
    started = time.monotonic()
    result: dict[str, Any] = {}
    watcher = EventWatcher(client, node, deadline.remaining() + STREAM_MARGIN)
    if wait:
        await watcher.start()
    try:
        watcher.actor_id = result['actor_id'] = await client.shutdown(node, force=force)
        if wait:
            await wait_node(lambda: observe(client, node), gone, 'the node to power off', deadline, node, watcher)
    finally:
        await watcher.stop()
    result['duration'] = round(time.monotonic() - started, 3)
    return result
