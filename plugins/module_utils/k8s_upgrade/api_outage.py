# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waits of a Kubernetes upgrade that read the Kubernetes API, kept going while the API is away.

While the kube-apiserver of the only control plane (or of every one at once) restarts for its new image, nothing
serves the API: a load balancer answers 503, a direct address refuses connections, until the new one is ready.
upgrade-k8s waits through that: its pod wait is an informer that logs watch errors and goes on
(pkg/cluster/kubernetes/talos_managed.go:checkPodStatus, SetWatchErrorHandler @ v1.14.0-rc.1) and its node check
retries retryable errors (kubelet.go:checkNodeKubeletVersion). Here a check that fails with a transient KubeError
(kube/client.py KubeError.transient) counts as "not yet", the error as what it saw, and the wait polls again until
the step's deadline; any other error still ends the wait. Only waits do this: they run after the upgrade's own
first reads were answered, so a request unanswered then is the API away, not a wrong kubeconfig or address.

Private module: free to change between releases.
"""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Check, Poll
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError


def seen_of(exc: KubeError) -> str:
    """What a wait shows for a transient error: the status when there was one, and the API server's words."""
    if exc.status is None:
        return exc.explanation  # "cannot reach the Kubernetes API at <server> to <what>: <cause>"
    return 'the Kubernetes API answered %d: %s' % (exc.status, exc.explanation)


def through_api_outage(check: Check) -> Check:
    """``check``, with a transient Kubernetes error taken as a poll not met yet."""
    async def tolerant() -> Poll:
        try:
            return await check()
        except KubeError as exc:
            if not exc.transient:
                raise
            return Poll(False, seen_of(exc))

    return tolerant
