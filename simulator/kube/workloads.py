# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kube-controller-manager's workload controllers: DaemonSet, Deployment, ReplicaSet and the garbage collector.

From kubernetes/kubernetes v1.34.0:

* pods from a template (``pkg/controller/controller_utils.go:GetPodFromTemplate``): the template's labels and
  annotations, ``generateName`` ``<owner>-``, an ownerReference with controller and blockOwnerDeletion; the
  defaults the API gives them (restartPolicy Always, default-scheduler, ...) and the not-ready/unreachable
  NoExecute tolerations of 300 s the DefaultTolerationSeconds admission plugin adds
  (``plugin/pkg/admission/defaulttolerationseconds/admission.go``);
* ReplicaSet (``pkg/controller/replicaset/replica_set.go:manageReplicas``, ``replica_set_utils.go:
  calculateStatus``): create the missing pods, delete the surplus (unscheduled first, then pending, then not
  ready, then the youngest: ``controller_utils.go:ActivePods`` ordering); status replicas,
  fullyLabeledReplicas, readyReplicas, availableReplicas (minReadySeconds 0), observedGeneration;
* DaemonSet (``pkg/controller/daemon/daemon_controller.go:podsShouldBeOnNode``, ``updateDaemonSetStatus``,
  ``util/daemonset_util.go:AddOrUpdateDaemonPodTolerations``): one pod per node it fits (the scheduler's
  filters with the DaemonSet tolerations), bound to the node by a metadata.name node affinity; a pod stays
  while the node's NoExecute taints are tolerated; its pods carry the template's revision and roll to a new
  template one node at a time (simulator.kube.daemon_rollout);
* Deployment (``pkg/controller/deployment/sync.go:getNewReplicaSet``, ``util/deployment_util.go``): the new
  ReplicaSet ``<name>-<pod-template-hash>`` (the hash: fnv-32a of the template, ``rand.SafeEncodeString``)
  gets spec.replicas, older ones are scaled to 0 at once (talos-sim does not pace a rolling update);
  status replicas, updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
  observedGeneration and the Available/Progressing conditions;
* garbage collector (``pkg/controller/garbagecollector``): a dependent whose owners are all gone is deleted.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

from simulator.kube import daemon_rollout, scheduler
from simulator.kube import pods as podlib
from simulator.kube.api_types import Obj
from simulator.kube.errors import ApiError
from simulator.kube.selectors import match_label_selector
from simulator.kube.store import NAME_SUFFIX_ALPHABET, Store

BURST = 500  # replica_set.go:BurstReplicas
TOLERATION_SECONDS = 300
HASH_LABEL = 'pod-template-hash'
REVISION = 'deployment.kubernetes.io/revision'
OWNER_KINDS = {'pods': ('ReplicaSet', 'DaemonSet', 'Node'), 'replicasets': ('Deployment',)}


def owner_reference(owner: Obj) -> Obj:
    return {'apiVersion': owner['apiVersion'], 'kind': owner['kind'], 'name': owner['metadata']['name'],
            'uid': owner['metadata']['uid'], 'controller': True, 'blockOwnerDeletion': True}


def _default_tolerations(spec: Obj) -> None:
    tolerations = spec.setdefault('tolerations', [])
    for key in ('node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'):
        taint = {'key': key, 'effect': 'NoExecute'}
        if not any(scheduler.tolerates(t, taint) for t in tolerations):
            tolerations.append({'key': key, 'operator': 'Exists', 'effect': 'NoExecute',
                                'tolerationSeconds': TOLERATION_SECONDS})


def pod_from_template(owner: Obj, template: Obj, node_name: str = '') -> Obj:
    meta = template.get('metadata') or {}
    spec = copy.deepcopy(template.get('spec') or {})
    for key, value in (('restartPolicy', 'Always'), ('schedulerName', 'default-scheduler'),
                       ('dnsPolicy', 'ClusterFirst'), ('terminationGracePeriodSeconds', 30), ('securityContext', {}),
                       ('serviceAccountName', 'default'), ('enableServiceLinks', True),
                       ('preemptionPolicy', 'PreemptLowerPriority'), ('priority', 0)):
        spec.setdefault(key, value)
    _default_tolerations(spec)
    if node_name:
        spec['nodeName'] = node_name
    pod: Obj = {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {
        'generateName': owner['metadata']['name'] + '-', 'namespace': owner['metadata']['namespace'],
        'labels': dict(meta.get('labels') or {}), 'ownerReferences': [owner_reference(owner)]},
        'spec': spec, 'status': {'phase': 'Pending', 'qosClass': podlib.qos_class(spec)}}
    if meta.get('annotations'):
        pod['metadata']['annotations'] = dict(meta['annotations'])
    return pod


def owned_by(owner: Obj, objects: list[Obj]) -> list[Obj]:
    uid = owner['metadata']['uid']
    return [obj for obj in objects if (podlib.controller_of(obj) or {}).get('uid') == uid]


# -- ReplicaSets -------------------------------------------------------------------------------------------

def _deletion_rank(pod: Obj) -> tuple:
    """ActivePods ordering: the pod to delete first sorts first."""
    status = pod.get('status') or {}
    phase_rank = {'Pending': 0, 'Unknown': 1, 'Running': 2}.get(status.get('phase', 'Pending'), 0)
    created = pod['metadata'].get('creationTimestamp', '')
    return (bool(pod['spec'].get('nodeName')), phase_rank, podlib.is_ready(pod),
            tuple(-ord(ch) for ch in created))


def sync_replicaset(store: Store, rs: Obj, pods: list[Obj]) -> None:
    namespace = rs['metadata']['namespace']
    mine = [p for p in owned_by(rs, pods) if podlib.is_active(p)]
    wanted = (rs.get('spec') or {}).get('replicas', 1)
    if len(mine) < wanted:
        for _ in range(min(wanted - len(mine), BURST)):
            mine.append(store.create('pods', pod_from_template(rs, rs['spec'].get('template') or {})))
    elif len(mine) > wanted:
        for pod in sorted(mine, key=_deletion_rank)[:len(mine) - wanted]:
            _delete(store, 'pods', namespace, pod['metadata']['name'])
            mine.remove(pod)
    ready = sum(1 for p in mine if podlib.is_ready(p))
    selector = rs['spec'].get('selector')
    labelled = sum(1 for p in mine if match_label_selector(selector, p['metadata'].get('labels')))
    status = {'replicas': len(mine), 'fullyLabeledReplicas': labelled, 'readyReplicas': ready,
              'availableReplicas': ready, 'observedGeneration': rs['metadata'].get('generation', 1)}
    _set_status(store, 'replicasets', rs, _drop_zero(status, ('readyReplicas', 'availableReplicas')))


# -- DaemonSets --------------------------------------------------------------------------------------------

def _daemon_spec(ds: Obj) -> Obj:
    spec = copy.deepcopy(((ds.get('spec') or {}).get('template') or {}).get('spec') or {})
    tolerations = spec.setdefault('tolerations', [])
    added = [('node.kubernetes.io/not-ready', 'NoExecute'), ('node.kubernetes.io/unreachable', 'NoExecute'),
             ('node.kubernetes.io/disk-pressure', 'NoSchedule'), ('node.kubernetes.io/memory-pressure', 'NoSchedule'),
             ('node.kubernetes.io/pid-pressure', 'NoSchedule'), ('node.kubernetes.io/unschedulable', 'NoSchedule')]
    if spec.get('hostNetwork'):
        added.append(('node.kubernetes.io/network-unavailable', 'NoSchedule'))
    for key, effect in added:
        if not any(scheduler.tolerates(t, {'key': key, 'effect': effect}) for t in tolerations):
            tolerations.append({'key': key, 'operator': 'Exists', 'effect': effect})
    return spec


def _daemon_pod(ds: Obj, spec: Obj, node_name: str, revision: str) -> Obj:
    template = dict(ds['spec'].get('template') or {}, spec=spec)
    pod = pod_from_template(ds, template, node_name)
    pod['metadata']['labels'][daemon_rollout.REVISION_LABEL] = revision
    pod['spec']['affinity'] = {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': {
        'nodeSelectorTerms': [{'matchFields': [{'key': 'metadata.name', 'operator': 'In', 'values': [node_name]}]}]}}}
    return pod


def _may_stay(spec: Obj, node: Obj) -> bool:
    """daemon_controller.go:NodeShouldRunDaemonPod's shouldContinueRunning: only NoExecute taints evict."""
    relaxed = dict(node, spec={'taints': [t for t in (node.get('spec') or {}).get('taints') or []
                                          if t.get('effect') == 'NoExecute']})
    return scheduler.misfit(spec, relaxed) is None


def sync_daemonset(store: Store, ds: Obj, nodes: list[Obj], pods: list[Obj]) -> None:
    """syncDaemonSet: manage (one pod per node that should run one), then the rolling update, then the status."""
    namespace = ds['metadata']['namespace']
    spec = _daemon_spec(ds)
    revision = template_hash(ds['spec'].get('template') or {})
    by_node: dict[str, list[Obj]] = {}
    for pod in owned_by(ds, pods):
        if podlib.is_active(pod):
            by_node.setdefault(pod['spec'].get('nodeName', ''), []).append(pod)
    desired = misscheduled = 0
    kept: list[Obj] = []
    should_run_pods: list[list[Obj]] = []
    for node in nodes:
        name = node['metadata']['name']
        present = by_node.pop(name, [])
        should_run = scheduler.misfit(spec, node) is None
        if should_run:
            desired += 1
        if not present and should_run:
            present = [store.create('pods', _daemon_pod(ds, spec, name, revision))]
        elif present and not (should_run or _may_stay(spec, node)):
            misscheduled += 1
            for pod in present:
                _delete(store, 'pods', namespace, pod['metadata']['name'])
            present = []
        for extra in present[1:]:
            _delete(store, 'pods', namespace, extra['metadata']['name'])
        if should_run:
            should_run_pods.append(present[:1])
        if present:
            kept.append(present[0])
    for orphans in by_node.values():  # pods on nodes that are gone
        for pod in orphans:
            _delete(store, 'pods', namespace, pod['metadata']['name'])
    for old in daemon_rollout.pods_to_replace(ds, should_run_pods, revision):
        _delete(store, 'pods', namespace, old['metadata']['name'])
        kept = [p for p in kept if p['metadata']['uid'] != old['metadata']['uid']]
    ready = sum(1 for p in kept if podlib.is_ready(p))
    updated = sum(1 for p in kept if daemon_rollout.is_updated(p, revision))
    status = {'currentNumberScheduled': len(kept), 'desiredNumberScheduled': desired,
              'numberMisscheduled': misscheduled, 'numberReady': ready, 'numberAvailable': ready,
              'numberUnavailable': max(0, desired - ready), 'updatedNumberScheduled': updated,
              'observedGeneration': ds['metadata'].get('generation', 1)}
    _set_status(store, 'daemonsets', ds, _drop_zero(status, ('numberAvailable', 'numberUnavailable',
                                                             'updatedNumberScheduled')))


# -- Deployments -------------------------------------------------------------------------------------------

def template_hash(template: Obj) -> str:
    """controller.ComputeHash's shape: fnv-32a of the template, its decimal digits safe-encoded."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True, separators=(',', ':')).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return ''.join(NAME_SUFFIX_ALPHABET[ord(ch) % len(NAME_SUFFIX_ALPHABET)] for ch in str(value))


def _new_replicaset(deploy: Obj, pod_hash: str, revision: int) -> Obj:
    spec = deploy['spec']
    template = copy.deepcopy(spec.get('template') or {})
    template.setdefault('metadata', {}).setdefault('labels', {})[HASH_LABEL] = pod_hash
    selector = copy.deepcopy(spec.get('selector') or {})
    selector.setdefault('matchLabels', {})[HASH_LABEL] = pod_hash
    name = deploy['metadata']['name']
    metadata = {
        'name': '%s-%s' % (name, pod_hash), 'namespace': deploy['metadata']['namespace'],
        'labels': dict(template['metadata']['labels']), 'ownerReferences': [owner_reference(deploy)],
        'annotations': {REVISION: str(revision),
                        'deployment.kubernetes.io/desired-replicas': str(spec.get('replicas', 1)),
                        'deployment.kubernetes.io/max-replicas': str(spec.get('replicas', 1) + 1)}}
    return {'apiVersion': 'apps/v1', 'kind': 'ReplicaSet', 'metadata': metadata,
            'spec': {'replicas': spec.get('replicas', 1), 'selector': selector, 'template': template,
                     'minReadySeconds': spec.get('minReadySeconds', 0)}}


def _revision(obj: Obj) -> int:
    try:
        return int((obj['metadata'].get('annotations') or {}).get(REVISION, '0'))
    except ValueError:
        return 0


def _scale(store: Store, rs: Obj, replicas: int) -> Obj:
    def scaled(current: Obj) -> Obj:
        current['spec']['replicas'] = replicas
        return current
    return store.mutate('replicasets', rs['metadata']['namespace'], rs['metadata']['name'], scaled)


def _conditions(name: str, wanted: int, available: int, previous: list[Obj], now: str) -> list[Obj]:
    have = {c['type']: c for c in previous}
    out = []
    for kind, status, reason, message in (
            ('Available', 'True' if available >= wanted else 'False',
             'MinimumReplicasAvailable' if available >= wanted else 'MinimumReplicasUnavailable',
             'Deployment has minimum availability.' if available >= wanted
             else 'Deployment does not have minimum availability.'),
            ('Progressing', 'True', 'NewReplicaSetAvailable' if available >= wanted else 'ReplicaSetUpdated',
             'ReplicaSet "%s" has successfully progressed.' % name if available >= wanted
             else 'ReplicaSet "%s" is progressing.' % name)):
        before = have.get(kind) or {}
        same = before.get('status') == status and before.get('reason') == reason
        out.append({'type': kind, 'status': status, 'reason': reason, 'message': message,
                    'lastUpdateTime': before['lastUpdateTime'] if same else now,
                    'lastTransitionTime': before.get('lastTransitionTime', now) if before.get('status') == status
                    else now})
    return out


def sync_deployment(store: Store, deploy: Obj, replicasets: list[Obj], now: str) -> None:
    spec = deploy.get('spec') or {}
    pod_hash = template_hash(spec.get('template') or {})
    mine = owned_by(deploy, replicasets)
    new = next((rs for rs in mine if (rs['metadata'].get('labels') or {}).get(HASH_LABEL) == pod_hash), None)
    wanted = spec.get('replicas', 1)
    if new is None:
        revision = max([0] + [_revision(r) for r in mine]) + 1
        new = store.create('replicasets', _new_replicaset(deploy, pod_hash, revision))
    elif new['spec'].get('replicas') != wanted:
        new = _scale(store, new, wanted)
    for old in mine:
        if old['metadata']['uid'] != new['metadata']['uid'] and old['spec'].get('replicas'):
            _scale(store, old, 0)
    totals = {key: sum((rs.get('status') or {}).get(key, 0) for rs in mine)
              for key in ('replicas', 'readyReplicas', 'availableReplicas')}
    updated = (new.get('status') or {}).get('replicas', 0)
    status = dict(totals, updatedReplicas=updated, unavailableReplicas=max(0, wanted - totals['availableReplicas']),
                  observedGeneration=deploy['metadata'].get('generation', 1),
                  conditions=_conditions(new['metadata']['name'], wanted, totals['availableReplicas'],
                                         (deploy.get('status') or {}).get('conditions') or [], now))
    status = _drop_zero(status, ('replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas',
                                 'unavailableReplicas'))

    def annotate(current: Obj) -> Obj:
        current['metadata'].setdefault('annotations', {})[REVISION] = str(_revision(new))
        current['status'] = status
        return current
    store.mutate('deployments', deploy['metadata']['namespace'], deploy['metadata']['name'], annotate)


# -- garbage collection ------------------------------------------------------------------------------------

def collect_garbage(store: Store, resource: str, objects: list[Obj], owners: set[str]) -> list[Obj]:
    """Delete the dependents whose owners are all gone; the objects that remain."""
    kept = []
    for obj in objects:
        refs = [r for r in obj['metadata'].get('ownerReferences') or [] if r.get('kind') in OWNER_KINDS[resource]]
        if refs and not any(r.get('uid') in owners for r in refs):
            _delete(store, resource, obj['metadata'].get('namespace'), obj['metadata']['name'])
        else:
            kept.append(obj)
    return kept


# -- helpers -----------------------------------------------------------------------------------------------

def _drop_zero(status: Obj, keys: tuple[str, ...]) -> Obj:
    """Go's omitempty: zero counters are absent from the JSON."""
    return {k: v for k, v in status.items() if not (k in keys and v == 0)}


def _set_status(store: Store, resource: str, obj: Obj, status: Obj) -> None:
    if obj.get('status') == status:
        return

    def with_status(current: Obj) -> Obj:
        current['status'] = status
        return current
    store.mutate(resource, obj['metadata']['namespace'], obj['metadata']['name'], with_status)


def _delete(store: Store, resource: str, namespace: Optional[str], name: str) -> None:
    try:
        store.delete(resource, namespace, name)
    except ApiError as err:
        if err.code != 404:  # gone already: someone else deleted it meanwhile
            raise


def owner_uids(*groups: list[Any]) -> set[str]:
    return {obj['metadata']['uid'] for group in groups for obj in group}
