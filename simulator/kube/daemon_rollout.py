# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DaemonSet controller's rolling update: which old pods to delete now.

From kubernetes/kubernetes v1.34.0:

* a pod's revision is its ``controller-revision-hash`` label, the hash of the DaemonSet's pod template
  (``pkg/controller/daemon/update.go:constructHistory``/``snapshot``, ``controller.ComputeHash``; the
  ControllerRevision objects themselves are not kept); a pod is up to date when its hash is the template's
  (``pkg/controller/daemon/util/daemonset_util.go:IsPodUpdated``);
* ``update.go:rollingUpdate`` with maxSurge 0: per node, an old pod that is not available is replaced at once;
  old available pods are replaced while fewer than ``maxUnavailable`` nodes lack an available pod (a node
  whose pod is being replaced, or that has none, counts as unavailable); ``maxUnavailable`` an integer or a
  percentage of the desired number, rounded up (``getUnavailableNumbers``, ``intstr.GetScaledValueFromIntOrPercent``);
* strategy ``OnDelete``: nothing is replaced; a pod deleted by someone else comes back with the new template.

talos-sim rolls with maxSurge 0 whatever the DaemonSet says and treats minReadySeconds as 0 (a pod is available
once Ready): Talos's kube-proxy and flannel DaemonSets use neither.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.kube import pods as podlib
from simulator.kube.api_types import Obj

REVISION_LABEL = 'controller-revision-hash'  # apps/v1 DefaultDaemonSetUniqueLabelKey


def is_updated(pod: Obj, revision: str) -> bool:
    return (pod['metadata'].get('labels') or {}).get(REVISION_LABEL) == revision


def max_unavailable(ds: Obj, desired: int) -> int:
    """The rolling update's budget; 1 when unset (SetDefaults_DaemonSet)."""
    strategy = (ds.get('spec') or {}).get('updateStrategy') or {}
    value: Any = (strategy.get('rollingUpdate') or {}).get('maxUnavailable', 1)
    if isinstance(value, str) and value.endswith('%'):
        return math.ceil(int(value[:-1]) * desired / 100)
    return int(value)


def rolls(ds: Obj) -> bool:
    """RollingUpdate is the default strategy type; OnDelete never replaces a pod by itself."""
    strategy = (ds.get('spec') or {}).get('updateStrategy') or {}
    return strategy.get('type', 'RollingUpdate') == 'RollingUpdate'


def pods_to_replace(ds: Obj, on_nodes: list[list[Obj]], revision: str) -> list[Obj]:
    """The old pods to delete now; ``on_nodes``: the active daemon pods of each node that should run one."""
    if not rolls(ds):
        return []
    unavailable = 0
    replace_now: list[Obj] = []
    candidates: list[Obj] = []
    budget = max_unavailable(ds, len(on_nodes))
    for pods in on_nodes:
        new = [p for p in pods if is_updated(p, revision)]
        old = [p for p in pods if not is_updated(p, revision)]
        if len(new) > 1 or len(old) > 1 or (new and old) or not pods:
            unavailable += 1  # the manage loop sorts this node out first
        elif new:
            if not podlib.is_ready(new[0]):
                unavailable += 1
        elif not podlib.is_ready(old[0]):
            replace_now.append(old[0])
        elif unavailable < budget:
            candidates.append(old[0])
    room = max(0, budget - unavailable)
    return replace_now + candidates[:room]
