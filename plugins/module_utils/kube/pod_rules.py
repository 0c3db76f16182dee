# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which pods of a node a drain evicts, skips or refuses to touch. Pure: pods in, verdicts out.

kubectl's drain filters (staging/src/k8s.io/kubectl/pkg/drain/filters.go: makeFilters @ v1.34.0), in
their order, with the settings talosctl drains with (siderolabs/go-kubernetes
kubernetes/nodedrain/nodedrain.go: Drain, used by talosctl @ v1.14.0-rc.1: Force, IgnoreAllDaemonSets)
except one: pods with emptyDir volumes are evicted only with ``delete_emptydir_data`` (talosctl always
deletes their data). The first filter that keeps a pod decides; finished pods (Succeeded, Failed)
pass every filter.

- DaemonSet pods are skipped: their controller ignores the cordon and would recreate them. A pod of
  a DaemonSet that no longer exists is evicted, as nothing owns it (kubectl with --force).
- Mirror pods (the API's view of a kubelet's static pod) are skipped: the API cannot delete them.
- Pods with emptyDir volumes lose that data: refused unless allowed; one refused pod stops the drain
  before anything is evicted.
- Pods no controller declares are evicted (talosctl drains with Force) but reported apart as
  ``unmanaged``: nothing recreates them.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'
FINISHED_PHASES = ('Succeeded', 'Failed')
# kubectl's wording (filters.go), with the option of this collection instead of kubectl's flag.
LOCAL_STORAGE_REFUSAL = 'cannot delete Pods with local storage (use delete_emptydir_data to override)'


def pod_name(pod: dict[str, Any]) -> str:
    """``namespace/name``, the way kubectl names pods in its drain messages."""
    metadata = pod.get('metadata') or {}
    return '%s/%s' % (metadata.get('namespace') or 'default', metadata.get('name'))


def controller_of(pod: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The owner reference marked ``controller: true``, if any."""
    for owner in (pod.get('metadata') or {}).get('ownerReferences') or []:
        if owner.get('controller'):
            return owner
    return None


def finished(pod: dict[str, Any]) -> bool:
    return (pod.get('status') or {}).get('phase') in FINISHED_PHASES


def has_local_storage(pod: dict[str, Any]) -> bool:
    return any('emptyDir' in volume for volume in (pod.get('spec') or {}).get('volumes') or [])


def daemonset_of(pod: dict[str, Any]) -> Optional[tuple[str, str]]:
    """(namespace, name) of the DaemonSet controlling a running pod; whether it still exists decides its fate."""
    owner = controller_of(pod)
    if owner is None or owner.get('kind') != 'DaemonSet' or finished(pod):
        return None
    return (pod.get('metadata') or {}).get('namespace') or 'default', owner.get('name')


@dataclass(frozen=True)
class Verdict:
    """What the drain does with one pod: ``action`` is ``evict``, ``skip`` or ``refuse``; ``reason`` says why."""

    action: str
    reason: str = ''
    unmanaged: bool = False


def verdict(pod: dict[str, Any], delete_emptydir_data: bool,
            missing_daemonsets: Iterable[tuple[str, str]] = ()) -> Verdict:
    """``missing_daemonsets``: the DaemonSets (namespace, name) found absent among those ``daemonset_of`` named."""
    daemonset = daemonset_of(pod)
    orphan = daemonset is not None and daemonset in set(missing_daemonsets)
    if daemonset is not None and not orphan:
        return Verdict('skip', 'DaemonSet-managed')
    if MIRROR_ANNOTATION in ((pod.get('metadata') or {}).get('annotations') or {}):
        return Verdict('skip', 'mirror pod (a static pod of the kubelet)')
    if has_local_storage(pod) and not finished(pod) and not delete_emptydir_data:
        return Verdict('refuse', 'local storage (emptyDir)')
    if orphan:
        return Verdict('evict', 'its DaemonSet %s/%s no longer exists' % daemonset, unmanaged=True)
    if controller_of(pod) is None and not finished(pod):
        return Verdict('evict', 'declares no controller', unmanaged=True)
    return Verdict('evict')


@dataclass
class DrainPlan:
    """The node's pods sorted by verdict: ``evict`` holds the pods themselves, the rest their names."""

    evict: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def refusal(self) -> Optional[str]:
        """kubectl's error for the refused pods, or None when the drain may go on."""
        if not self.refused:
            return None
        return '%s: %s' % (LOCAL_STORAGE_REFUSAL, ', '.join(self.refused))


def plan(pods: Iterable[dict[str, Any]], delete_emptydir_data: bool,
         missing_daemonsets: Iterable[tuple[str, str]] = ()) -> DrainPlan:
    missing = set(missing_daemonsets)
    result = DrainPlan()
    for pod in sorted(pods, key=pod_name):
        decided = verdict(pod, delete_emptydir_data, missing)
        name = pod_name(pod)
        if decided.action == 'skip':
            result.skipped.append({'pod': name, 'reason': decided.reason})
        elif decided.action == 'refuse':
            result.refused.append(name)
        else:
            result.evict.append(pod)
            if decided.unmanaged:
                result.unmanaged.append(name)
    return result
