# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Node object of a machine: what its kubelet registers and posts, what Talos applies to it, and what the
node lifecycle controller writes when the kubelet is gone.

* Registration (kubernetes/kubernetes v1.34.0 ``pkg/kubelet/kubelet_node_status.go:initialNode``): labels
  kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch and their beta.kubernetes.io twins;
  ``pkg/kubelet/nodestatus/setters.go``: addresses (InternalIP, Hostname), nodeInfo, capacity, the
  conditions MemoryPressure, DiskPressure, PIDPressure (False: KubeletHasSufficientMemory,
  KubeletHasNoDiskPressure, KubeletHasSufficientPID) and Ready (True: KubeletReady "kubelet is posting ready
  status"; False: KubeletNotReady). The node's podCIDR comes from kube-controller-manager's range allocator
  (Talos runs it with ``--allocate-node-cidrs`` over the pod subnet 10.244.0.0/16, one /24 per node).
* Talos (``internal/app/machined/pkg/controllers/k8s/node_apply.go:NodeApplyController.syncOnce @ v1.13.9``):
  labels and taints from the config (simulator.kube.settings) are applied and remembered as owned in the
  ``talos.dev/owned-labels`` / ``talos.dev/owned-taints`` annotations (sorted JSON lists), so that an owned
  one is removed when the config drops it and one set by someone else is left alone; in stages shutting
  down, upgrading and resetting the node is cordoned with the ``talos.dev/cordoned`` annotation, in booting
  and running a node cordoned by Talos is uncordoned (``node_cordoned_spec.go``, ``ApplyCordoned``).
  nodeInfo.osImage is ``Talos (<version>)``; kernel and containerd versions are the emulated line's defaults
  (``pkg/machinery/constants/constants.go``: DefaultKernelVersion, DefaultContainerdVersion @ v1.12.11,
  v1.13.9, v1.14.0-rc.1, main).
* Kubelet gone (machine down, kubelet stopped): ``pkg/controller/nodelifecycle/node_lifecycle_controller.go:
  tryUpdateNodeHealth`` sets every condition to Unknown, reason NodeStatusUnknown, message "Kubelet stopped
  posting node status." (talos-sim does it at once instead of after the 50 s grace period), and its tainting
  passes (``doNoScheduleTaintingPass``, ``doNoExecuteTaintingPass``) put ``node.kubernetes.io/unreachable``
  (Unknown) or ``node.kubernetes.io/not-ready`` (False) on the node, NoSchedule and NoExecute, removed once
  the node is Ready again. Pods are not evicted by them: every pod tolerates them for 300 s.
"""

from __future__ import annotations

import json
from typing import Optional

from simulator.kube.api_types import Obj
from simulator.kube.settings import MachineKubeConfig

OWNED_LABELS = 'talos.dev/owned-labels'
OWNED_TAINTS = 'talos.dev/owned-taints'
CORDONED = 'talos.dev/cordoned'
CORDON_STAGES = ('shutting down', 'upgrading', 'resetting')
UNCORDON_STAGES = ('booting', 'running')
# Talos line -> (kernel, containerd) shipped by default.
RUNTIME_VERSIONS = {12: ('6.18.42-talos', '2.2.5'), 13: ('6.18.44-talos', '2.2.7'),
                    14: ('6.18.44-talos', '2.3.3'), 15: ('6.18.45-talos', '2.3.4')}
CAPACITY = {'cpu': '4', 'ephemeral-storage': '10218772Ki', 'hugepages-2Mi': '0', 'memory': '8131784Ki',
            'pods': '110'}
PRESSURE = (('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
            ('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
            ('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'))
UNKNOWN = ('NodeStatusUnknown', 'Kubelet stopped posting node status.')

# What the kubelet can say about its node: posting Ready, posting not ready, or nothing at all.
READY, NOT_READY, SILENT = 'ready', 'not-ready', 'silent'


def registration(name: str, address: str, pod_cidr: str, now: str) -> Obj:
    """The Node a kubelet creates when it first registers."""
    labels = {'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
              'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux'}
    return {
        'apiVersion': 'v1', 'kind': 'Node',
        'metadata': {'name': name, 'labels': labels,
                     'annotations': {'node.alpha.kubernetes.io/ttl': '0',
                                     'volumes.kubernetes.io/controller-managed-attach-detach': 'true'}},
        'spec': {'podCIDR': pod_cidr, 'podCIDRs': [pod_cidr]},
        'status': {'addresses': [{'type': 'InternalIP', 'address': address}, {'type': 'Hostname', 'address': name}],
                   'capacity': dict(CAPACITY), 'allocatable': dict(CAPACITY),
                   'daemonEndpoints': {'kubeletEndpoint': {'Port': 10250}}, 'conditions': []},
    }


def _owned(annotations: dict[str, str], key: str) -> set[str]:
    try:
        return set(json.loads(annotations.get(key) or '[]'))
    except ValueError:
        return set()


def _store_owned(annotations: dict[str, str], key: str, owned: set[str]) -> None:
    if owned:
        annotations[key] = json.dumps(sorted(owned), separators=(',', ':'))
    else:
        annotations.pop(key, None)


def _apply_labels(labels: dict[str, str], owned: set[str], wanted: dict[str, str]) -> None:
    """NodeApplyController.applyNodeKV."""
    for key, value in wanted.items():
        if key not in labels or labels[key] == value or key in owned:
            labels[key] = value
            owned.add(key)
    for key in list(owned):
        if key not in wanted:
            labels.pop(key, None)
            owned.discard(key)


def _apply_taints(spec: Obj, owned: set[str], wanted: tuple[tuple[str, str, str], ...]) -> None:
    """NodeApplyController.ApplyTaints."""
    taints = spec.get('taints') or []
    for key, value, effect in wanted:
        current = next((t for t in taints if t['key'] == key), None)
        new = {'key': key, 'effect': effect}
        if value:
            new['value'] = value
        if current is None:
            taints.append(new)
            owned.add(key)
        elif key in owned:
            current.clear()
            current.update(new)
        elif current.get('value', '') == value and current.get('effect') == effect:
            owned.add(key)
    wanted_keys = {key for key, _value, _effect in wanted}
    kept = []
    for taint in taints:
        if taint['key'] in owned and taint['key'] not in wanted_keys:
            owned.discard(taint['key'])  # owned, and the config no longer has it
        else:
            kept.append(taint)
    if kept:
        spec['taints'] = kept
    else:
        spec.pop('taints', None)


def apply_talos(node: Obj, config: MachineKubeConfig, stage: Optional[str]) -> Obj:
    """NodeApplyController.syncOnce: owned labels and taints, and the cordon of the machine's stage."""
    meta = node['metadata']
    labels = meta.setdefault('labels', {})
    annotations = meta.setdefault('annotations', {})
    spec = node.setdefault('spec', {})
    owned_labels, owned_taints = _owned(annotations, OWNED_LABELS), _owned(annotations, OWNED_TAINTS)
    _apply_labels(labels, owned_labels, config.labels)
    _apply_taints(spec, owned_taints, config.taints)
    _store_owned(annotations, OWNED_LABELS, owned_labels)
    _store_owned(annotations, OWNED_TAINTS, owned_taints)
    if stage in CORDON_STAGES and not spec.get('unschedulable'):
        spec['unschedulable'] = True
        annotations[CORDONED] = 'true'
    elif stage in UNCORDON_STAGES and spec.get('unschedulable') and CORDONED in annotations:
        spec.pop('unschedulable', None)
        del annotations[CORDONED]
    return node


def _condition(conditions: list[Obj], kind: str, status: str, reason: str, message: str, now: str) -> None:
    for item in conditions:
        if item['type'] == kind:
            if item['status'] != status:
                item['lastTransitionTime'] = now
                item['lastHeartbeatTime'] = now
            item.update(status=status, reason=reason, message=message)
            return
    conditions.append({'type': kind, 'status': status, 'lastHeartbeatTime': now, 'lastTransitionTime': now,
                       'reason': reason, 'message': message})


def post_status(node: Obj, kubelet: str, node_info: dict[str, str], now: str) -> Obj:
    """What the kubelet posts (READY, NOT_READY) or the lifecycle controller writes (SILENT)."""
    status = node.setdefault('status', {})
    conditions = status.setdefault('conditions', [])
    if kubelet == SILENT:
        if not conditions:
            return node
        for kind, _reason, _message in PRESSURE + (('Ready', '', ''),):
            _condition(conditions, kind, 'Unknown', UNKNOWN[0], UNKNOWN[1], now)
        return node
    status['nodeInfo'] = node_info
    for kind, reason, message in PRESSURE:
        _condition(conditions, kind, 'False', reason, message, now)
    if kubelet == READY:
        _condition(conditions, 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now)
    else:
        _condition(conditions, 'Ready', 'False', 'KubeletNotReady', 'kubelet is not healthy', now)
    return node


def node_info(machine_id: str, boot_id: str, talos_tag: str, minor: int, kubelet_version: str) -> dict[str, str]:
    kernel, containerd = RUNTIME_VERSIONS.get(minor, RUNTIME_VERSIONS[13])
    return {'architecture': 'amd64', 'bootID': boot_id, 'containerRuntimeVersion': 'containerd://%s' % containerd,
            'kernelVersion': kernel, 'kubeProxyVersion': '', 'kubeletVersion': kubelet_version,
            'machineID': machine_id, 'operatingSystem': 'linux', 'osImage': 'Talos (%s)' % talos_tag,
            'systemUUID': machine_id}


LIFECYCLE_TAINTS = {SILENT: 'node.kubernetes.io/unreachable', NOT_READY: 'node.kubernetes.io/not-ready'}


def lifecycle_taints(node: Obj, kubelet: str, now: str) -> Obj:
    """The node lifecycle controller's taints for a node that is not Ready (see the module docstring)."""
    spec = node.setdefault('spec', {})
    wanted = LIFECYCLE_TAINTS.get(kubelet)
    if not (node.get('status') or {}).get('conditions'):
        wanted = None  # a node that never posted is not judged yet
    taints = [t for t in spec.get('taints') or []
              if t['key'] not in LIFECYCLE_TAINTS.values() or t['key'] == wanted]
    if wanted is not None:
        present = {t['effect'] for t in taints if t['key'] == wanted}
        taints += [{'key': wanted, 'effect': 'NoSchedule'}] if 'NoSchedule' not in present else []
        taints += [{'key': wanted, 'effect': 'NoExecute', 'timeAdded': now}] if 'NoExecute' not in present else []
    if taints:
        spec['taints'] = taints
    else:
        spec.pop('taints', None)
    return node


def ready_status(node: Obj) -> str:
    """The Ready condition's status: True, False or Unknown (Unknown when there is none yet)."""
    for item in (node.get('status') or {}).get('conditions') or []:
        if item.get('type') == 'Ready':
            return item.get('status', 'Unknown')
    return 'Unknown'


def internal_ip(node: Obj) -> str:
    return next((a['address'] for a in (node.get('status') or {}).get('addresses') or []
                 if a.get('type') == 'InternalIP'), '')
