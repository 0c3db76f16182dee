# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.events source at work: one client, an event follower per node and the alarm poller.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.source_args import source_options
from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.watchers import (Backoff, follow_events,
                                                                                          poll_alarms)
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient


async def run(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """Watch until cancelled; a bad argument fails at once (TalosError naming it), before anything is dialled."""
    options = source_options(args)
    settings = options.settings
    nodes: list[Optional[str]] = list(settings.nodes) or [None]
    labels = [settings.node_label(node) for node in nodes]
    async with TalosClient(settings) as client:
        loops = [follow_events(client, node, label, queue.put, Backoff(options.backoff_max))
                 for node, label in zip(nodes, labels)]
        if options.alarm_interval:
            loops.append(poll_alarms(client, nodes, labels, options.alarm_interval, queue.put))
        tasks = [asyncio.ensure_future(loop) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
