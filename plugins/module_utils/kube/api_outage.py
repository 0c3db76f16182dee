# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes calls kept going while the API is away: a control plane rebooting, or a kube-apiserver restarting.

While the kube-apiserver of the only control plane (or of every one at once) restarts, for a new image or because
its node rebooted, nothing serves the API: a load balancer answers 503, a direct address refuses connections, until
the new one is ready. upgrade-k8s waits through that: its pod wait is an informer that logs watch errors and goes on
(pkg/cluster/kubernetes/talos_managed.go:checkPodStatus, SetWatchErrorHandler @ v1.14.0-rc.1) and its node check
retries retryable errors (kubelet.go:checkNodeKubeletVersion). Here a check that fails with a transient KubeError
(kube/client.py KubeError.transient) counts as "not yet", the error as what it saw, and the wait polls again until
the step's deadline; any other error still ends the wait. Only waits do this, and the calls of a task that was
asked to wait for a node that has just rebooted (drain.py, node_state.py): elsewhere a request unanswered is more
likely a wrong kubeconfig or address, which should fail at once.

Private module: free to change between releases.
"""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Check, Poll
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError


def seen_of(exc: TalosError) -> str:
    """What a wait shows for a transient error: the status when there was one, and the API server's words.
    (Typed for any TalosError, as ``retry``'s ``explain``; only KubeErrors pass ``transient``.)"""
    if not isinstance(exc, KubeError):
        return exc.message
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


def transient(exc: TalosError) -> bool:
    """A ``retryable`` for client/wait.py ``retry``: a Kubernetes call that may succeed when asked again."""
    return isinstance(exc, KubeError) and exc.transient
