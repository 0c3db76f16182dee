# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain a Kubernetes node: cordon, evict its pods while their budgets allow, wait until they are gone; uncordon.

The eviction loop is kubectl's (staging/src/k8s.io/kubectl/pkg/drain/drain.go: evictPods and
waitForDelete @ v1.34.0), which talosctl runs through siderolabs/go-kubernetes nodedrain: every pod
is evicted at once through the policy/v1 Eviction subresource; a 429 (a PodDisruptionBudget that
allows no disruption now) is retried every 5 s until the deadline; a pod that is gone already (404)
counts as evicted; after its eviction a pod is awaited until it is deleted or replaced by a pod of
the same name with another UID. Finished pods are evicted too: the API server deletes them without
asking their budget. Which pods are evicted is pod_rules' job.

A node that cannot be drained in time stays cordoned, and the error names each pod still there and
why (the API server's message, such as the budget that refused). Only a node this collection
cordoned (this task, or an earlier one that failed before uncordoning it: see node.py) is uncordoned
afterwards; a node an operator cordoned stays so.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, WaitTimedOut, poll
from ansible_collections.talos.linux.plugins.module_utils.kube import pod_rules
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient, KubeError, unless_missing
from ansible_collections.talos.linux.plugins.module_utils.kube.node import (cordoned, cordoned_by_us, read_node,
                                                                            set_unschedulable, uncordon, wait_ready)

DEFAULT_TIMEOUT = 300.0  # talosctl --drain-timeout (nodedrain.DefaultDrainTimeout, 5 minutes)
RETRY_AFTER_REFUSAL = 5.0  # kubectl: "error when evicting pods/... (will retry after 5s)"
GONE_INTERVAL = 1.0  # kubectl's waitForDelete interval


@dataclass
class DrainReport:
    """What a drain did to one node (in check mode: would do), as the ``drain`` result reports it."""

    node_name: str
    cordoned: bool = False  # the node is cordoned now
    already_cordoned: bool = False  # it was cordoned before this task
    foreign_cordon: bool = False  # by someone else than this collection: never uncordoned by it
    evicted: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    uncordoned: bool = False
    duration: float = 0.0
    note: str = ''

    def result(self) -> dict[str, Any]:
        return {'node_name': self.node_name, 'cordoned': self.cordoned, 'already_cordoned': self.already_cordoned,
                'evicted': list(self.evicted), 'skipped': list(self.skipped), 'unmanaged': list(self.unmanaged),
                'uncordoned': self.uncordoned, 'duration': round(self.duration, 3), 'note': self.note}


class DrainError(KubeError):
    """A drain that stopped: the message names the pods and why; ``result['drain']`` is the report so far."""

    def __init__(self, message: str, report: DrainReport) -> None:
        super().__init__(message, result={'drain': report.result()})
        self.report = report


async def _missing_daemonsets(kube: KubeClient, pods: list[dict[str, Any]]) -> list[tuple[str, str]]:
    missing = []
    for namespace, name in sorted({pod_rules.daemonset_of(pod) for pod in pods} - {None}):
        try:
            await kube.daemonset(namespace, name)
        except KubeError as exc:
            if exc.status != 404:
                raise
            missing.append((namespace, name))
    return missing


async def inspect(kube: KubeClient, name: str,
                  delete_emptydir_data: bool) -> tuple[dict[str, Any], pod_rules.DrainPlan]:
    """The node and what draining it would do."""
    node = await read_node(kube, name)
    pods = await kube.pods_on_node(name)
    return node, pod_rules.plan(pods, delete_emptydir_data, await _missing_daemonsets(kube, pods))


async def _evict(kube: KubeClient, pod: dict[str, Any], deadline: Deadline) -> Optional[str]:
    """Evict one pod and wait until it is gone; None when it is, else why it is still there."""
    metadata = pod['metadata']
    namespace, name, uid = metadata.get('namespace') or 'default', metadata['name'], metadata.get('uid')

    async def evict() -> Poll:
        try:
            await kube.evict(namespace, name)
        except KubeError as exc:
            if exc.status == 404:
                return Poll(True)
            if exc.status == 429:
                return Poll(False, seen=exc.explanation)
            raise
        return Poll(True)

    async def gone() -> Poll:
        current = await unless_missing(kube.pod(namespace, name))
        if current is None or current['metadata'].get('uid') != uid:
            return Poll(True)
        return Poll(False, seen='still terminating (phase %s)' % (current.get('status') or {}).get('phase'))

    try:
        evicted = await poll(evict, deadline, RETRY_AFTER_REFUSAL, bounded=False,
                             what='the eviction of pod %s/%s to be allowed' % (namespace, name))
        if not evicted.met:
            return evicted.last.seen if evicted.last else 'no answer to the eviction'
        went = await poll(gone, deadline, GONE_INTERVAL, what='pod %s/%s to be gone' % (namespace, name))
    except KubeError as exc:
        return exc.explanation
    if not went.met:
        return 'evicted, but %s' % (went.last.seen if went.last else 'not seen gone')
    return None


async def evict_all(kube: KubeClient, pods: list[dict[str, Any]], deadline: Deadline) -> dict[str, Optional[str]]:
    """Every pod at once: ``{namespace/name: None when gone, else why it is still there}``."""
    outcomes = await asyncio.gather(*(_evict(kube, pod, deadline) for pod in pods))
    return dict(zip((pod_rules.pod_name(pod) for pod in pods), outcomes))


async def drain(kube: KubeClient, name: str, *, timeout: float = DEFAULT_TIMEOUT, delete_emptydir_data: bool = False,
                check_mode: bool = False) -> DrainReport:
    """Cordon node ``name`` and evict its pods within ``timeout`` seconds; in check mode, only say what would be.

    Pods that would lose emptyDir data without ``delete_emptydir_data`` fail the drain before the node
    is cordoned. Pods scheduled before the cordon took effect are drained too (the pods are listed again
    once the node is cordoned)."""
    started = time.monotonic()
    deadline = Deadline(timeout)
    node, planned = await inspect(kube, name, delete_emptydir_data)
    report = DrainReport(name, cordoned=cordoned(node), already_cordoned=cordoned(node),
                         foreign_cordon=cordoned(node) and not cordoned_by_us(node))
    report.skipped, report.unmanaged = planned.skipped, planned.unmanaged
    if planned.refusal:
        raise DrainError('cannot drain Kubernetes node %s, left as it was: %s' % (name, planned.refusal), report)
    if check_mode:
        report.evicted = [pod_rules.pod_name(pod) for pod in planned.evict]
        return report
    if not report.cordoned:
        await set_unschedulable(kube, name, True)
        report.cordoned = True
        _node, planned = await inspect(kube, name, delete_emptydir_data)
        report.skipped, report.unmanaged = planned.skipped, planned.unmanaged
        if planned.refusal:
            raise DrainError('cannot drain Kubernetes node %s, which stays cordoned: %s' % (name, planned.refusal),
                             report)
    outcomes = await evict_all(kube, planned.evict, deadline)
    report.evicted = [pod for pod, why in outcomes.items() if why is None]
    report.duration = time.monotonic() - started
    blocked = ['%s (%s)' % (pod, why) for pod, why in outcomes.items() if why is not None]
    if blocked:
        raise DrainError('Kubernetes node %s could not be drained within %gs and stays cordoned; pods still on '
                         'it: %s' % (name, timeout, '; '.join(blocked)), report)
    return report


async def uncordon_when_ready(kube: KubeClient, report: DrainReport, deadline: Deadline) -> None:
    """Once the node is Ready again, uncordon it, unless someone else than this collection had cordoned it."""
    if report.foreign_cordon:
        report.note = 'left cordoned: it was cordoned before this task, not by this collection'
        return
    try:
        await wait_ready(kube, report.node_name, deadline)
    except WaitTimedOut as exc:
        raise DrainError('%s; Kubernetes node %s stays cordoned' % (exc.message, report.node_name), report) from None
    await uncordon(kube, report.node_name, deadline)
    report.cordoned, report.uncordoned = False, True
