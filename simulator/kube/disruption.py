# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PodDisruptionBudgets: their status, the Eviction subresource, and a record of every budget that stopped holding.

Written from kubernetes/kubernetes v1.34.0:

* status as the disruption controller computes it (``pkg/controller/disruption/disruption.go``: trySync,
  getExpectedPodCount, getExpectedScale with the Deployment and ReplicaSet finders, countHealthyPods,
  buildDisruptedPodMap, updatePdbStatus, failSafe) and its condition
  (``staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go:UpdateDisruptionAllowedCondition``);
  percentages round up (``apimachinery/pkg/util/intstr/intstr.go:GetScaledValueFromIntOrPercent``);
* eviction as the pods/eviction REST handler decides it (``pkg/registry/core/pod/storage/eviction.go``:
  Create, canIgnorePDB, getPodDisruptionBudgets, checkAndDecrement, createTooManyRequestsError).

``BudgetRecorder`` plays the disruption controller (it keeps every budget's status current in the store)
and records each moment a budget that held stops holding (currentHealthy < desiredHealthy).
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from simulator.kube.api_types import Obj
from simulator.kube.errors import ApiError, bad_request, forbidden, too_many_requests
from simulator.kube.selectors import match_label_selector
from simulator.kube.store import Store, now_rfc3339

DELETION_TIMEOUT = datetime.timedelta(minutes=2)  # disruption.go:DeletionTimeout
MAX_DISRUPTED_PODS = 2000  # eviction.go:MaxDisruptedPodSize
EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
MORE_THAN_ONE_BUDGET = ('This pod has more than one PodDisruptionBudget, which the eviction subresource does not '
                        'support.')
CONDITION = 'DisruptionAllowed'


def _parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def pod_ready(pod: Obj) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    return any(c.get('type') == 'Ready' and c.get('status') == 'True'
               for c in (pod.get('status') or {}).get('conditions') or [])


def _controller_of(obj: Obj) -> Optional[dict[str, Any]]:
    return next((ref for ref in (obj.get('metadata') or {}).get('ownerReferences') or [] if ref.get('controller')),
                None)


def _scaled(value: Any, total: int) -> int:
    """An IntOrString against ``total``, percentages rounded up; ValueError for anything else."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r'(\d+)%', str(value))
    if not match:
        raise ValueError('invalid value for IntOrString: invalid type: string is not a percentage')
    return math.ceil(int(match.group(1)) * total / 100)


def _owner_scale(store: Store, namespace: str, ref: dict[str, Any]) -> Optional[tuple[str, int]]:
    """(uid, replicas) of the pod's controller, as the Deployment and ReplicaSet finders find it."""
    if ref.get('kind') != 'ReplicaSet' or not ref.get('apiVersion', '').startswith('apps/'):
        return None
    try:
        rs = store.get('replicasets', namespace, ref['name'])
    except ApiError:
        return None
    if rs['metadata'].get('uid') != ref.get('uid'):
        return None
    owner = _controller_of(rs)
    if owner and owner.get('kind') == 'Deployment':
        try:
            deployment = store.get('deployments', namespace, owner['name'])
        except ApiError:
            return None
        if deployment['metadata'].get('uid') != owner.get('uid'):
            return None
        return deployment['metadata']['uid'], deployment['spec'].get('replicas', 1)
    return rs['metadata']['uid'], rs['spec'].get('replicas', 1)


def _expected_scale(store: Store, namespace: str, pods: list[Obj]) -> int:
    """The sum of the scales of the pods' controllers; pods without a controller do not count."""
    scales: dict[str, int] = {}
    for pod in pods:
        ref = _controller_of(pod)
        if ref is None or ref.get('uid') in scales:
            continue
        found = _owner_scale(store, namespace, ref)
        if found is None:
            raise ValueError('found no controllers for pod "%s"' % pod['metadata']['name'])
        scales[found[0]] = found[1]
    return sum(scales.values())


def expected_and_desired(store: Store, pdb: Obj, pods: list[Obj]) -> tuple[int, int]:
    spec = pdb.get('spec') or {}
    namespace = pdb['metadata']['namespace']
    if spec.get('maxUnavailable') is not None:
        expected = _expected_scale(store, namespace, pods)
        return expected, max(0, expected - _scaled(spec['maxUnavailable'], expected))
    if isinstance(spec.get('minAvailable'), int):
        return len(pods), spec['minAvailable']
    if spec.get('minAvailable') is not None:
        expected = _expected_scale(store, namespace, pods)
        return expected, _scaled(spec['minAvailable'], expected)
    return 0, 0


def _with_condition(status: dict[str, Any], previous: list[dict[str, Any]]) -> dict[str, Any]:
    """The DisruptionAllowed condition, its lastTransitionTime kept while its status does not change."""
    allowed = status['disruptionsAllowed'] > 0
    condition = {'type': CONDITION, 'status': 'True' if allowed else 'False',
                 'observedGeneration': status.get('observedGeneration', 0),
                 'lastTransitionTime': now_rfc3339(), 'reason': 'SufficientPods' if allowed else 'InsufficientPods',
                 'message': ''}
    return _set_condition(status, previous, condition)


def _set_condition(status: dict[str, Any], previous: list[dict[str, Any]], condition: dict[str, Any]) -> dict[str, Any]:
    old = next((c for c in previous if c.get('type') == CONDITION), None)
    if old is not None and old.get('status') == condition['status']:
        condition['lastTransitionTime'] = old['lastTransitionTime']
    status['conditions'] = [c for c in previous if c.get('type') != CONDITION] + [condition]
    return status


def matching_pods(store: Store, pdb: Obj) -> list[Obj]:
    """The controller's getPodsForPdb: pods of the namespace the selector matches (``{}`` matches all)."""
    pods, _rv = store.list('pods', pdb['metadata']['namespace'])
    selector = (pdb.get('spec') or {}).get('selector')
    return [p for p in pods if match_label_selector(selector, p['metadata'].get('labels'))]


def pdb_status(store: Store, pdb: Obj, now: Optional[datetime.datetime] = None) -> dict[str, Any]:
    """The status the disruption controller would write for ``pdb`` now."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    current = pdb.get('status') or {}
    pods = matching_pods(store, pdb)
    try:
        expected, desired = expected_and_desired(store, pdb, pods)
    except ValueError as err:  # failSafe: no disruption allowed, the reason in the condition
        status = dict(current, disruptionsAllowed=0)
        return _set_condition(status, current.get('conditions') or [], {
            'type': CONDITION, 'status': 'False', 'observedGeneration': current.get('observedGeneration', 0),
            'lastTransitionTime': now_rfc3339(), 'reason': 'SyncFailed', 'message': str(err)})
    disrupted = {}
    for pod in pods:
        when = (current.get('disruptedPods') or {}).get(pod['metadata']['name'])
        if when and not pod['metadata'].get('deletionTimestamp') and _parse_time(when) + DELETION_TIMEOUT >= now:
            disrupted[pod['metadata']['name']] = when
    healthy = sum(1 for p in pods if not p['metadata'].get('deletionTimestamp')
                  and p['metadata']['name'] not in disrupted and pod_ready(p))
    allowed = healthy - desired if expected > 0 and healthy - desired > 0 else 0
    status: dict[str, Any] = {'observedGeneration': pdb['metadata'].get('generation', 0)}
    if disrupted:
        status['disruptedPods'] = disrupted
    status.update(disruptionsAllowed=allowed, currentHealthy=healthy, desiredHealthy=desired, expectedPods=expected)
    return _with_condition(status, current.get('conditions') or [])


def _same(status: dict[str, Any], current: dict[str, Any]) -> bool:
    """updatePdbStatus's no-op test: every field equal, conditions compared without their timestamps."""
    def strip(s: dict[str, Any]) -> dict[str, Any]:
        return dict(s, conditions=[{k: v for k, v in c.items() if k != 'lastTransitionTime'}
                                   for c in s.get('conditions') or []])
    return strip(status) == strip(current)


# ---------------------------------------------------------------- eviction

def _budgets_of(store: Store, pod: Obj) -> list[Obj]:
    """eviction.go's getPodDisruptionBudgets: a nil or empty selector matches nothing here."""
    pdbs, _rv = store.list('poddisruptionbudgets', pod['metadata']['namespace'])
    labels = pod['metadata'].get('labels')
    return [p for p in pdbs if (p.get('spec') or {}).get('selector')
            and match_label_selector(p['spec']['selector'], labels)]


def _still_processing(pdb_name: str) -> ApiError:
    err = too_many_requests(EVICTION_REFUSED, [{'reason': 'DisruptionBudget',
                                                'message': 'The disruption budget %s is still being processed by '
                                                           'the server.' % pdb_name}])
    assert err.details is not None
    err.details['retryAfterSeconds'] = 10
    return err


def _check_and_decrement(store: Store, pdb: Obj, pod_name: str) -> None:
    status = pdb.get('status') or {}
    name = pdb['metadata']['name']
    if status.get('observedGeneration', 0) < pdb['metadata'].get('generation', 0):
        raise _still_processing(name)
    allowed = status.get('disruptionsAllowed', 0)
    if allowed < 0:
        raise forbidden(None, name, 'pdb disruptions allowed is negative', 'poddisruptionbudget.policy')
    if len(status.get('disruptedPods') or {}) > MAX_DISRUPTED_PODS:
        raise forbidden(None, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
                        'poddisruptionbudget.policy')
    if allowed == 0:
        raise too_many_requests(EVICTION_REFUSED, [{
            'reason': 'DisruptionBudget',
            'message': 'The disruption budget %s needs %d healthy pods and has %d currently'
                       % (name, status.get('desiredHealthy', 0), status.get('currentHealthy', 0))}])
    status = dict(status, disruptionsAllowed=allowed - 1)
    status['disruptedPods'] = dict(status.get('disruptedPods') or {}, **{pod_name: now_rfc3339()})
    if status['disruptionsAllowed'] == 0:
        status = _with_condition(status, status.get('conditions') or [])
    store.update('poddisruptionbudgets', dict(pdb, status=status), subresource='status')


def evict(store: Store, namespace: str, name: str, eviction_body: Optional[dict[str, Any]],
          recorder: Optional[BudgetRecorder] = None) -> dict[str, Any]:
    """POST pods/<name>/eviction: delete the pod if its budget allows it; the Status the API answers (201)."""
    body_name = ((eviction_body or {}).get('metadata') or {}).get('name')
    if body_name != name:
        raise bad_request('name in URL does not match name in Eviction object')
    pod = store.get('pods', namespace, name)
    phase = (pod.get('status') or {}).get('phase')
    if phase not in ('Succeeded', 'Failed', 'Pending') and not pod['metadata'].get('deletionTimestamp'):
        pdbs = _budgets_of(store, pod)
        if len(pdbs) > 1:
            raise ApiError(500, '', MORE_THAN_ONE_BUDGET)  # returned as a Status object: no reason, no details
        if pdbs:
            status = pdbs[0].get('status') or {}
            unready_but_enough = (not pod_ready(pod) and status.get('desiredHealthy', 0) > 0
                                  and status.get('currentHealthy', 0) >= status['desiredHealthy'])
            if not unready_but_enough:
                _check_and_decrement(store, pdbs[0], name)
    with recorder.cause('eviction of pod %s/%s' % (namespace, name)) if recorder else contextlib.nullcontext():
        store.delete('pods', namespace, name)
    return {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success', 'code': 201}


# ---------------------------------------------------------------- the controller and the record

@dataclass(frozen=True)
class Violation:
    """A budget that held stopped holding: when, which, and what changed to make it so."""

    time: str
    namespace: str
    pdb: str
    desired_healthy: int
    current_healthy: int
    healthy_pods: tuple[str, ...]
    unhealthy_pods: tuple[str, ...]
    cause: str  # e.g. "DELETED pods default/web-1", or the eviction that was in progress

    def as_dict(self) -> dict[str, Any]:
        return {'time': self.time, 'namespace': self.namespace, 'pdb': self.pdb,
                'desiredHealthy': self.desired_healthy, 'currentHealthy': self.current_healthy,
                'healthyPods': list(self.healthy_pods), 'unhealthyPods': list(self.unhealthy_pods),
                'cause': self.cause}


WATCHED = ('pods', 'poddisruptionbudgets', 'replicasets', 'deployments')


class BudgetRecorder:
    """Keeps every PodDisruptionBudget's status current and records each moment one stops holding.

    A budget counts as violated when currentHealthy < desiredHealthy. Recorded is a disruption: the change
    from holding to violated because healthy pods were lost (currentHealthy went down). A budget created
    before its pods are ready never held, and one whose desiredHealthy grows with new, not yet ready pods
    (a scale-up) lost nothing: neither is a violation.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._violations: list[Violation] = []
        self._violated: dict[tuple[str, str], bool] = {}
        self._healthy: dict[tuple[str, str], int] = {}  # currentHealthy when last seen
        self._cause: Optional[str] = None
        self._unsubscribe = store.subscribe(self._changed)
        self.sync('start')

    def close(self) -> None:
        self._unsubscribe()

    def violations(self) -> list[Violation]:
        return list(self._violations)

    @contextlib.contextmanager
    def cause(self, what: str) -> Iterator[None]:
        """Name what the changes made inside the block are (an eviction, a node's reboot ...)."""
        outer, self._cause = self._cause, what
        try:
            yield
        finally:
            self._cause = outer

    def _changed(self, event_type: str, resource: str, obj: Obj) -> None:
        if resource in WATCHED:
            meta = obj.get('metadata') or {}
            where = '%s/%s' % (meta['namespace'], meta['name']) if meta.get('namespace') else meta.get('name')
            self.sync(self._cause or '%s %s %s' % (event_type, resource, where))

    def sync(self, cause: str) -> None:
        """Recompute every budget, write the statuses that changed, record new violations."""
        pdbs, _rv = self._store.list('poddisruptionbudgets')
        seen = set()
        for pdb in pdbs:
            key = (pdb['metadata']['namespace'], pdb['metadata']['name'])
            seen.add(key)
            status = pdb_status(self._store, pdb)
            if not _same(status, pdb.get('status') or {}):
                self._store.update('poddisruptionbudgets', dict(pdb, status=status), subresource='status')
            self._observe(key, pdb, status, cause)
        for gone in set(self._violated) - seen:
            del self._violated[gone]
            self._healthy.pop(gone, None)

    def _observe(self, key: tuple[str, str], pdb: Obj, status: dict[str, Any], cause: str) -> None:
        if 'currentHealthy' not in status:  # the status could not be computed (SyncFailed)
            return
        violated = status['currentHealthy'] < status['desiredHealthy']
        held_before = self._violated.get(key) is False
        lost = status['currentHealthy'] < self._healthy.get(key, 0)
        self._violated[key] = violated
        self._healthy[key] = status['currentHealthy']
        if violated and held_before and lost:
            pods = matching_pods(self._store, pdb)
            self._violations.append(Violation(
                now_rfc3339(), key[0], key[1], status['desiredHealthy'], status['currentHealthy'],
                tuple(p['metadata']['name'] for p in pods if pod_ready(p)),
                tuple(p['metadata']['name'] for p in pods if not pod_ready(p)), cause))
