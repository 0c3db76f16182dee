# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull the new images where they will run before the first step, so each restart waits for no registry.

As upgrade-k8s pre-pulls (pkg/cluster/kubernetes/upgrade.go:prePullImages @ v1.14.0-rc.1): the control-plane
images on the control planes into containerd's CRI namespace (static pods run there), each kubelet image on its
node into the system namespace (Talos runs the kubelet there); a node that does not implement the pull
(UNIMPLEMENTED) is skipped, any other failure stops the upgrade before anything changed. The pull goes
through ImageService.Pull, which Talos serves from 1.13 on; older nodes are skipped, as this client has no
older pull call.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.progress import Waiting
from ansible_collections.talos.linux.plugins.module_utils.client.version import has_lifecycle_service
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import CONTROL_PLANE_COMPONENTS
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import Step


def pulls(plan: list[Step]) -> list[tuple[str, str, str]]:
    """(node, containerd namespace, image) of each image to pull, in plan order, once each."""
    wanted = []
    for step in plan:
        if step.component in CONTROL_PLANE_COMPONENTS:
            wanted.append((step.node, 'cri', step.to_image))
        elif step.component == 'kubelet':
            wanted.append((step.node, 'system', step.to_image))
    return list(dict.fromkeys(wanted))


async def prepull(client: Any, plan: list[Step], talos_versions: dict[str, str], timeout: float) -> list[str]:
    """Pull what ``plan`` needs; the nodes skipped, with why."""
    skipped = []
    for node, namespace, image in pulls(plan):
        if not has_lifecycle_service(talos_versions.get(node)):
            skipped.append('%s: Talos %s has no ImageService.Pull' % (node, talos_versions.get(node)))
            continue
        deadline = Deadline(timeout)
        pulling = Waiting('%s to be pulled' % image, node, timeout, deadline.elapsed)
        try:
            async for _progress in client.image_pull(image, node, namespace=namespace, timeout=timeout):
                pulling.saw('pulling')
        except TalosError as exc:
            if exc.code != 'UNIMPLEMENTED':
                exc.message = 'pre-pulling %s: %s' % (image, exc.message)
                exc.node = exc.node or node
                raise
            skipped.append('%s: the pull is not implemented' % node)
            continue
        pulling.met()
    return list(dict.fromkeys(skipped))
