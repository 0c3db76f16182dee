# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull the installer of the next nodes of a rollout ahead of their own upgrade, all at once.

Each node gets the installer it will be upgraded with (its own schematic, platform and SecureBoot, or the image
given explicitly), pulled through ImageService.Pull (Talos 1.13+). A pre-pull only saves time later, so a failure
is reported, never raised.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import has_lifecycle_service
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.node_image import NodeImage, read_node_image

FAILED = 'failed: '  # how a node's entry in ``prepulled`` starts when its pre-pull did not happen

Resolve = Callable[[NodeImage], str]


async def _prepull_one(client: Any, node: str, resolve: Resolve, timeout: float, check_mode: bool) -> str:
    """The pinned reference pulled on ``node`` (in check mode, the reference that would be), or why not."""
    try:
        running = await read_node_image(client, node)
        if not has_lifecycle_service(running.version):
            return FAILED + 'Talos %s has no ImageService.Pull (Talos 1.13 and newer)' % running.version
        image = resolve(running)
        if check_mode:
            return image
        pinned = image
        async for progress in client.image_pull(image, node, timeout=timeout):
            pinned = progress.get('name', pinned)
        return pinned
    except TalosError as exc:
        return FAILED + exc.message


async def prepull(client: Any, nodes: Iterable[str], resolve: Resolve, timeout: float,
                  check_mode: bool = False) -> dict[str, str]:
    """{node: pinned image, or ``failed: <why>``}; ``resolve(node_image)`` names the installer of a node."""
    nodes = list(dict.fromkeys(nodes))
    pulled = await asyncio.gather(*(_prepull_one(client, node, resolve, timeout, check_mode) for node in nodes))
    return dict(zip(nodes, pulled))


def warnings_of(prepulled: Optional[dict[str, str]]) -> list[str]:
    return ['pre-pull on %s %s' % (node, outcome) for node, outcome in (prepulled or {}).items()
            if outcome.startswith(FAILED)]
