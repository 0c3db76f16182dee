# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where kube-scheduler puts a pod, reduced to the filters that decide it in a talos-sim cluster.

Filters (kubernetes/kubernetes v1.34.0 ``pkg/scheduler/framework/plugins``): NodeUnschedulable
("node(s) were unschedulable", unless the pod tolerates ``node.kubernetes.io/unschedulable``),
TaintToleration (NoSchedule and NoExecute taints must be tolerated: "node(s) had untolerated taint {k: v}",
``staging/src/k8s.io/api/core/v1/toleration.go:ToleratesTaint``) and NodeAffinity for ``nodeSelector``
("node(s) didn't match Pod's node affinity/selector"). Not-ready nodes carry the node lifecycle controller's
taints, so the taint filter keeps pods off them. Scoring is reduced to "fewest pods first, then by name".
A pod no node fits gets the FitError text (``pkg/scheduler/framework/types.go:FitError.Error``): reasons
counted and sorted, then the preemption verdict.
"""

from __future__ import annotations

from typing import Optional

from simulator.kube.api_types import Obj

UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable'


def tolerates(toleration: Obj, taint: Obj) -> bool:
    if toleration.get('effect') and toleration['effect'] != taint.get('effect'):
        return False
    key = toleration.get('key', '')
    if key and key != taint.get('key'):
        return False
    if toleration.get('operator', 'Equal') == 'Exists':
        return True
    return bool(key) and toleration.get('value', '') == taint.get('value', '')


def _tolerated(tolerations: list[Obj], taint: Obj) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def misfit(spec: Obj, node: Obj) -> Optional[str]:
    """Why the pod ``spec`` cannot go to ``node`` (the first failing filter's reason), None when it fits."""
    tolerations = spec.get('tolerations') or []
    node_spec = node.get('spec') or {}
    if node_spec.get('unschedulable') and not _tolerated(
            tolerations, {'key': UNSCHEDULABLE_TAINT, 'effect': 'NoSchedule'}):
        return 'node(s) were unschedulable'
    labels = node['metadata'].get('labels') or {}
    if any(labels.get(key) != value for key, value in (spec.get('nodeSelector') or {}).items()):
        return "node(s) didn't match Pod's node affinity/selector"
    for taint in node_spec.get('taints') or []:
        if taint.get('effect') in ('NoSchedule', 'NoExecute') and not _tolerated(tolerations, taint):
            return 'node(s) had untolerated taint {%s: %s}' % (taint['key'], taint.get('value', ''))
    return None


def choose(spec: Obj, nodes: list[Obj], load: dict[str, int]) -> tuple[Optional[str], str]:
    """(node name, '') or (None, the FitError message); ``load`` is the number of pods per node name."""
    fitting, reasons = [], {}
    for node in nodes:
        reason = misfit(spec, node)
        if reason is None:
            fitting.append(node['metadata']['name'])
        else:
            reasons[reason] = reasons.get(reason, 0) + 1
    if fitting:
        return min(fitting, key=lambda name: (load.get(name, 0), name)), ''
    total = len(nodes)
    counted = sorted('%d %s' % (count, reason) for reason, count in reasons.items())
    message = '0/%d nodes are available' % total
    if counted:
        message += ': ' + ', '.join(counted)
    return None, '%s. preemption: 0/%d nodes are available: %d Preemption is not helpful for scheduling.' % (
        message, total, total)
