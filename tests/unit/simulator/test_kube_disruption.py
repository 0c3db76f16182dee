# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PodDisruptionBudget status, eviction decisions and the violation record of talos-sim's Kubernetes."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from simulator.kube.disruption import MORE_THAN_ONE_BUDGET, BudgetRecorder, evict, pdb_status
from simulator.kube.errors import ApiError
from simulator.kube.store import Store


def _pod(name: str, *, ready: bool = True, phase: str = 'Running', labels: Optional[dict] = None,
         owner: Optional[dict] = None) -> dict:
    meta: dict[str, Any] = {'name': name, 'namespace': 'default', 'labels': labels or {'app': 'web'}}
    if owner:
        meta['ownerReferences'] = [dict(owner, controller=True)]
    return {'metadata': meta, 'spec': {'containers': [{'name': 'c', 'image': 'i'}]},
            'status': {'phase': phase, 'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'False'}]}}


def _pdb(name: str = 'web', **spec: Any) -> dict:
    return {'metadata': {'name': name, 'namespace': 'default'},
            'spec': dict({'selector': {'matchLabels': {'app': 'web'}}}, **spec)}


def _eviction(name: str) -> dict:
    return {'apiVersion': 'policy/v1', 'kind': 'Eviction', 'metadata': {'name': name, 'namespace': 'default'}}


def _status(store: Store, name: str = 'web') -> dict:
    return store.get('poddisruptionbudgets', 'default', name)['status']


def _owned_by_deployment(store: Store, replicas: int) -> dict:
    deployment = store.create('deployments', {'metadata': {'name': 'web', 'namespace': 'default'},
                                              'spec': {'replicas': replicas}})
    rs = store.create('replicasets', {'metadata': {'name': 'web-1', 'namespace': 'default', 'ownerReferences': [{
        'apiVersion': 'apps/v1', 'kind': 'Deployment', 'name': 'web', 'uid': deployment['metadata']['uid'],
        'controller': True}]}, 'spec': {'replicas': replicas}})
    return {'apiVersion': 'apps/v1', 'kind': 'ReplicaSet', 'name': 'web-1', 'uid': rs['metadata']['uid']}


@pytest.mark.parametrize('spec, expected, desired, allowed', [
    ({'minAvailable': 2}, 3, 2, 0),  # 2 of the 3 pods are ready
    ({'minAvailable': '50%'}, 4, 2, 0),  # percentages count the controller's scale: 4 replicas
    ({'minAvailable': '30%'}, 4, 2, 0),  # 1.2 rounds up
    ({'maxUnavailable': 1}, 4, 3, 0),
    ({'maxUnavailable': '10%'}, 4, 3, 0),  # 0.4 unavailable rounds up to 1
    ({'maxUnavailable': '50%'}, 4, 2, 0),
])
def test_status_counts_as_the_disruption_controller(spec, expected, desired, allowed):
    store = Store()
    owner = _owned_by_deployment(store, replicas=4)
    for name, ready in (('a', True), ('b', True), ('c', False)):
        store.create('pods', _pod(name, ready=ready, owner=owner))
    pdb = store.create('poddisruptionbudgets', _pdb(**spec))
    status = pdb_status(store, pdb)
    assert (status['expectedPods'], status['desiredHealthy'], status['currentHealthy'],
            status['disruptionsAllowed']) == (expected, desired, 2, allowed)
    assert status['conditions'][0]['reason'] == 'InsufficientPods'


def test_a_pod_without_a_known_controller_fails_the_sync_safe():
    store = Store()
    store.create('pods', _pod('a', owner={'apiVersion': 'apps/v1', 'kind': 'DaemonSet', 'name': 'x', 'uid': 'u'}))
    status = pdb_status(store, store.create('poddisruptionbudgets', _pdb(maxUnavailable=1)))
    assert status['disruptionsAllowed'] == 0
    assert {k: status['conditions'][0][k] for k in ('status', 'reason', 'message')} == {
        'status': 'False', 'reason': 'SyncFailed', 'message': 'found no controllers for pod "a"'}


def test_the_recorder_keeps_statuses_current_without_looping():
    store = Store()
    recorder = BudgetRecorder(store)
    for name in 'abc':
        store.create('pods', _pod(name))
    store.create('poddisruptionbudgets', _pdb(minAvailable=2))
    status = _status(store)
    assert (status['currentHealthy'], status['disruptionsAllowed'], status['observedGeneration']) == (3, 1, 1)
    assert status['conditions'][0]['reason'] == 'SufficientPods'
    version = store.revision
    recorder.sync('nothing changed')
    assert store.revision == version


def test_eviction_within_budget_deletes_and_accounts_the_disruption():
    store = Store()
    BudgetRecorder(store)
    for name in 'abc':
        store.create('pods', _pod(name))
    store.create('poddisruptionbudgets', _pdb(minAvailable=2))
    assert evict(store, 'default', 'a', _eviction('a')) == {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {},
                                                            'status': 'Success', 'code': 201}
    assert [p['metadata']['name'] for p in store.list('pods')[0]] == ['b', 'c']
    assert (_status(store)['disruptionsAllowed'], _status(store).get('disruptedPods')) == (0, None)
    with pytest.raises(ApiError) as refused:
        evict(store, 'default', 'b', _eviction('b'))
    assert refused.value.status() == {
        'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
        'message': "Cannot evict pod as it would violate the pod's disruption budget.", 'reason': 'TooManyRequests',
        'details': {'causes': [{'reason': 'DisruptionBudget',
                                'message': 'The disruption budget web needs 2 healthy pods and has 2 currently'}]},
        'code': 429}


def test_eviction_without_a_controller_keeping_the_budget_waits_for_it():
    store = Store()
    store.create('pods', _pod('a'))
    store.create('poddisruptionbudgets', _pdb(minAvailable=0))  # no status yet: observedGeneration 0 < 1
    with pytest.raises(ApiError) as processing:
        evict(store, 'default', 'a', _eviction('a'))
    assert processing.value.details == {'causes': [{'reason': 'DisruptionBudget', 'message': 'The disruption '
                                                    'budget web is still being processed by the server.'}],
                                        'retryAfterSeconds': 10}


@pytest.mark.parametrize('pod', [_pod('a', phase='Pending'), _pod('a', phase='Succeeded'),
                                 _pod('a', labels={'app': 'other'})])
def test_pods_that_cannot_disrupt_a_budget_are_deleted_directly(pod):
    store = Store()
    BudgetRecorder(store)
    store.create('pods', pod)
    store.create('poddisruptionbudgets', _pdb(minAvailable=5))
    evict(store, 'default', 'a', _eviction('a'))
    assert store.list('pods')[0] == []


def test_eviction_errors():
    store = Store()
    BudgetRecorder(store)
    store.create('pods', _pod('a'))
    store.create('poddisruptionbudgets', _pdb('one', minAvailable=0))
    store.create('poddisruptionbudgets', _pdb('two', minAvailable=0))
    with pytest.raises(ApiError) as two:
        evict(store, 'default', 'a', _eviction('a'))
    assert two.value.status() == {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                                  'message': MORE_THAN_ONE_BUDGET, 'code': 500}
    with pytest.raises(ApiError) as mismatch:
        evict(store, 'default', 'a', _eviction('b'))
    assert (mismatch.value.code, mismatch.value.message) == (400, 'name in URL does not match name in Eviction object')
    with pytest.raises(ApiError) as missing:
        evict(store, 'default', 'z', _eviction('z'))
    assert missing.value.message == 'pods "z" not found'


def test_violations_are_recorded_when_a_budget_that_held_stops_holding():
    store = Store()
    recorder = BudgetRecorder(store)
    store.create('pods', _pod('a', ready=False))
    store.create('poddisruptionbudgets', _pdb(minAvailable=1))
    assert recorder.violations() == []  # never held: not a violation
    store.mutate('pods', 'default', 'a', lambda p: _pod('a'))
    store.create('pods', _pod('b'))
    with recorder.cause('node n1 rebooted'):
        store.delete('pods', 'default', 'a')
        store.mutate('pods', 'default', 'b', lambda p: _pod('b', ready=False))
    [violation] = recorder.violations()
    assert violation.as_dict() | {'time': 'T'} == {
        'time': 'T', 'namespace': 'default', 'pdb': 'web', 'desiredHealthy': 1, 'currentHealthy': 0,
        'healthyPods': [], 'unhealthyPods': ['b'], 'cause': 'node n1 rebooted'}
    store.delete('pods', 'default', 'b')
    assert len(recorder.violations()) == 1  # still the same violation


def test_a_scale_up_whose_pods_are_not_ready_yet_is_no_violation():
    """minAvailable 100%: a second replica, not ready yet, raises desiredHealthy; no healthy pod was lost."""
    store = Store()
    recorder = BudgetRecorder(store)
    owner = _owned_by_deployment(store, 1)
    store.create('pods', _pod('a', owner=owner))
    store.create('poddisruptionbudgets', _pdb(minAvailable='100%'))
    for resource, name in (('deployments', 'web'), ('replicasets', 'web-1')):
        store.mutate(resource, 'default', name, lambda obj: dict(obj, spec={'replicas': 2}))
    store.create('pods', _pod('b', ready=False, owner=owner))
    assert (_status(store)['desiredHealthy'], _status(store)['currentHealthy']) == (2, 1)
    assert recorder.violations() == []
    store.mutate('pods', 'default', 'b', lambda p: _pod('b', owner=owner))
    store.mutate('pods', 'default', 'a', lambda p: _pod('a', ready=False, owner=owner))
    assert [v.unhealthy_pods for v in recorder.violations()] == [('a',)]
