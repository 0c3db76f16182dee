# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pod's status as the kubelet posts it, and the node lifecycle controller's change to it.

Written from kubernetes/kubernetes v1.34.0:

* ``pkg/kubelet/kubelet_pods.go:generateAPIPodStatus``: phase Pending while containers are being created
  (state ``waiting`` ContainerCreating), Running once they run; conditions in the kubelet's order
  PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled; ``hostIP``/``hostIPs``,
  ``podIP``/``podIPs`` (the node's address for hostNetwork pods), ``startTime``; ``qosClass`` from
  ``pkg/apis/core/v1/helper/qos/qos.go:GetPodQOS`` (requests and limits of cpu and memory);
* ``pkg/controller/util/node/controller_utils.go:MarkPodsNotReady``: a pod on a node that is not Ready gets
  its Ready condition set to False (and nothing else); the kubelet sets it back once it posts again;
* after a reboot of the node its containers are restarted: restartCount grows, ``startedAt`` is new.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from simulator.kube.api_types import Obj

CONDITION_ORDER = ('PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled')


def condition(pod: Obj, kind: str) -> Optional[Obj]:
    return next((c for c in (pod.get('status') or {}).get('conditions') or [] if c.get('type') == kind), None)


def is_ready(pod: Obj) -> bool:
    ready = condition(pod, 'Ready')
    return ready is not None and ready.get('status') == 'True'


def is_active(pod: Obj) -> bool:
    """Counted by controllers: not being deleted and not terminal (controller_utils.go:IsPodActive)."""
    phase = (pod.get('status') or {}).get('phase')
    return not pod['metadata'].get('deletionTimestamp') and phase not in ('Succeeded', 'Failed')


def controller_of(obj: Obj) -> Optional[Obj]:
    """metav1.GetControllerOf: the ownerReference with controller=true."""
    return next((ref for ref in obj['metadata'].get('ownerReferences') or [] if ref.get('controller')), None)


def qos_class(spec: Obj) -> str:
    containers = list(spec.get('containers') or []) + list(spec.get('initContainers') or [])
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    guaranteed = True
    for container in containers:
        resources = container.get('resources') or {}
        container_requests = {k: v for k, v in (resources.get('requests') or {}).items() if k in ('cpu', 'memory')}
        container_limits = {k: v for k, v in (resources.get('limits') or {}).items() if k in ('cpu', 'memory')}
        requests.update(container_requests)
        limits.update(container_limits)
        if set(container_limits) != {'cpu', 'memory'}:
            guaranteed = False
        if any(container_requests.get(k, v) != v for k, v in container_limits.items()):
            guaranteed = False
    if not requests and not limits:
        return 'BestEffort'
    return 'Guaranteed' if guaranteed else 'Burstable'


def _container_id(pod: Obj, name: str, restarts: int) -> str:
    seed = '%s/%s/%d' % (pod['metadata'].get('uid', ''), name, restarts)
    return 'containerd://' + hashlib.sha256(seed.encode()).hexdigest()


def _set_condition(conditions: list[Obj], kind: str, status: str, now: str, reason: str = '',
                   message: str = '') -> None:
    """pkg/api/v1/pod/util.go:UpdatePodCondition: the transition time moves only when the status changes."""
    for item in conditions:
        if item['type'] == kind:
            if item['status'] != status:
                item['lastTransitionTime'] = now
            item['status'] = status
            _set_reason(item, reason, message)
            return
    item = {'type': kind, 'status': status, 'lastProbeTime': None, 'lastTransitionTime': now}
    _set_reason(item, reason, message)
    conditions.append(item)


def _set_reason(item: Obj, reason: str, message: str) -> None:
    for key, value in (('reason', reason), ('message', message)):
        if value:
            item[key] = value
        else:
            item.pop(key, None)


def _ordered(conditions: list[Obj]) -> list[Obj]:
    return sorted(conditions, key=lambda c: CONDITION_ORDER.index(c['type']) if c['type'] in CONDITION_ORDER
                  else len(CONDITION_ORDER))


def unschedulable(pod: Obj, message: str, now: str) -> Obj:
    """The scheduler's verdict for a pod no node fits (schedule_one.go:handleSchedulingFailure)."""
    status = pod.setdefault('status', {})
    status['phase'] = 'Pending'
    status.setdefault('qosClass', qos_class(pod.get('spec') or {}))
    conditions = status.setdefault('conditions', [])
    _set_condition(conditions, 'PodScheduled', 'False', now, 'Unschedulable', message)
    return pod


def scheduled(pod: Obj, now: str) -> Obj:
    status = pod.setdefault('status', {})
    status['phase'] = 'Pending'
    status.setdefault('qosClass', qos_class(pod.get('spec') or {}))
    _set_condition(status.setdefault('conditions', []), 'PodScheduled', 'True', now)
    status['conditions'] = _ordered(status['conditions'])
    return pod


def _addresses(status: Obj, host_ip: str, pod_ip: str) -> None:
    status['hostIP'], status['hostIPs'] = host_ip, [{'ip': host_ip}]
    status['podIP'], status['podIPs'] = pod_ip, [{'ip': pod_ip}]


def creating(pod: Obj, host_ip: str, pod_ip: str, now: str) -> Obj:
    """Bound and seen by the kubelet: sandbox and containers on their way (ContainerCreating)."""
    status = pod.setdefault('status', {})
    status['phase'] = 'Pending'
    status.setdefault('startTime', now)
    status.setdefault('qosClass', qos_class(pod.get('spec') or {}))
    _addresses(status, host_ip, pod_ip)
    conditions = status.setdefault('conditions', [])
    for kind, value in (('PodReadyToStartContainers', 'False'), ('Initialized', 'True'), ('Ready', 'False'),
                        ('ContainersReady', 'False'), ('PodScheduled', 'True')):
        reason = 'ContainersNotReady' if kind in ('Ready', 'ContainersReady') else ''
        _set_condition(conditions, kind, value, now, reason,
                       'containers with unready status: [%s]' % _names(pod) if reason else '')
    status['conditions'] = _ordered(conditions)
    status['containerStatuses'] = [
        {'name': c['name'], 'image': c.get('image', ''), 'imageID': '', 'ready': False, 'restartCount': 0,
         'started': False, 'state': {'waiting': {'reason': 'ContainerCreating'}}}
        for c in (pod.get('spec') or {}).get('containers') or []]
    return pod


def _names(pod: Obj) -> str:
    return ' '.join(c['name'] for c in (pod.get('spec') or {}).get('containers') or [])


def running(pod: Obj, host_ip: str, pod_ip: str, now: str, restarted: bool = False) -> Obj:
    """Containers started (again, after a reboot of the node, with ``restarted``) and ready."""
    status = pod.setdefault('status', {})
    status['phase'] = 'Running'
    status.setdefault('startTime', now)
    status.setdefault('qosClass', qos_class(pod.get('spec') or {}))
    _addresses(status, host_ip, pod_ip)
    previous = {c['name']: c for c in status.get('containerStatuses') or []}
    statuses = []
    for container in (pod.get('spec') or {}).get('containers') or []:
        before = previous.get(container['name']) or {}
        restarts = before.get('restartCount', 0) + (1 if restarted and 'running' in before.get('state', {}) else 0)
        started_at = now if restarted or 'running' not in before.get('state', {}) \
            else before['state']['running']['startedAt']
        image = container.get('image', '')
        statuses.append({
            'name': container['name'], 'image': image, 'imageID': image, 'ready': True, 'restartCount': restarts,
            'started': True, 'state': {'running': {'startedAt': started_at}},
            'containerID': _container_id(pod, container['name'], restarts)})
    status['containerStatuses'] = statuses
    conditions = status.setdefault('conditions', [])
    for kind in CONDITION_ORDER:
        _set_condition(conditions, kind, 'True', now)
    status['conditions'] = _ordered(conditions)
    return pod


def mark_not_ready(pod: Obj, now: str) -> Obj:
    """MarkPodsNotReady: only the Ready condition, and only when it is there."""
    ready = condition(pod, 'Ready')
    if ready is not None and ready['status'] != 'False':
        ready['status'], ready['lastTransitionTime'] = 'False', now
    return pod
