# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Kubernetes object store: metadata, versions, selectors, patches, notifications and watches."""

from __future__ import annotations

import asyncio
import re

import pytest

from simulator.kube.errors import ApiError
from simulator.kube.patches import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from simulator.kube.selectors import FieldSelector, LabelSelector, match_label_selector
from simulator.kube.store import Store
from simulator.kube import api_types


def _pod(name: str, labels: dict | None = None, node: str = 'n1', phase: str = 'Running') -> dict:
    return {'metadata': {'name': name, 'namespace': 'default', 'labels': labels or {}},
            'spec': {'nodeName': node, 'containers': [{'name': 'c', 'image': 'i'}]}, 'status': {'phase': phase}}


def _error(fn, *args) -> ApiError:
    with pytest.raises(ApiError) as caught:
        fn(*args)
    return caught.value


# ---------------------------------------------------------------- selectors

@pytest.mark.parametrize('selector, labels, matches', [
    ('', {'a': 'b'}, True),
    ('a=b', {'a': 'b'}, True),
    ('a==b', {'a': 'c'}, False),
    ('a!=b', {}, True),
    ('a!=b', {'a': 'b'}, False),
    ('a in (x, y)', {'a': 'y'}, True),
    ('a in (x,y)', {}, False),
    ('a notin (x)', {}, True),
    ('a notin (x)', {'a': 'x'}, False),
    ('a', {'a': ''}, True),
    ('!a', {'a': ''}, False),
    ('a=b,!c, d', {'a': 'b', 'd': '1'}, True),
    ('a=b,!c, d', {'a': 'b', 'c': '1', 'd': '1'}, False),
    ('k8s-app = kube-dns', {'k8s-app': 'kube-dns'}, True),
    ('a=', {'a': ''}, True),
])
def test_label_selectors_match_as_the_apiserver_parses_them(selector, labels, matches):
    assert LabelSelector(selector).matches(labels) is matches


@pytest.mark.parametrize('selector, message', [
    ('a in b', "unable to parse requirement: found 'b', expected: '('"),
    ('a in (b', "unable to parse requirement: found '', expected: ',' or ')'"),
    ('a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ('a=b c', "unable to parse requirement: found 'c', expected: ',' or 'end of string'"),
    ('=b', "unable to parse requirement: found '=', expected: identifier or '!'"),
])
def test_bad_label_selectors_are_bad_requests(selector, message):
    err = _error(LabelSelector, selector)
    assert (err.code, err.reason, err.message) == (400, 'BadRequest', message)


def test_field_selectors_cover_the_resource_field_labels_only():
    pods = api_types.resource('pods')
    running_on_n1 = FieldSelector(pods, 'spec.nodeName=n1,status.phase!=Succeeded')
    assert running_on_n1.matches(_pod('p'))
    assert not running_on_n1.matches(_pod('p', phase='Succeeded'))
    assert not running_on_n1.matches(_pod('p', node='n2'))
    assert FieldSelector(api_types.resource('nodes'), 'spec.unschedulable=false').matches({'spec': {}})
    err = _error(FieldSelector, pods, 'spec.foo=x')
    assert (err.code, err.message) == (400, 'field label not supported: spec.foo')
    assert _error(FieldSelector, pods, 'nonsense').message == \
        "invalid selector: 'nonsense'; can't understand 'nonsense'"


def test_label_selector_objects():
    assert not match_label_selector(None, {'a': 'b'})
    assert match_label_selector({}, {'a': 'b'})
    selector = {'matchLabels': {'app': 'web'}, 'matchExpressions': [
        {'key': 'tier', 'operator': 'In', 'values': ['front', 'back']},
        {'key': 'canary', 'operator': 'DoesNotExist'}, {'key': 'zone', 'operator': 'Exists'},
        {'key': 'env', 'operator': 'NotIn', 'values': ['dev']}]}
    assert match_label_selector(selector, {'app': 'web', 'tier': 'front', 'zone': 'a'})
    assert not match_label_selector(selector, {'app': 'web', 'tier': 'front', 'zone': 'a', 'canary': '1'})
    assert not match_label_selector(selector, {'app': 'web', 'tier': 'front', 'zone': 'a', 'env': 'dev'})
    assert not match_label_selector(selector, {'app': 'web', 'tier': 'mid', 'zone': 'a'})


# ---------------------------------------------------------------- writes

def test_create_fills_metadata_and_versions_count_globally():
    store = Store()
    pod = store.create('pods', {'metadata': {'generateName': 'web-'}, 'spec': {}})
    meta = pod['metadata']
    assert re.fullmatch(r'web-[bcdfghjklmnpqrstvwxz2456789]{5}', meta['name'])
    assert (meta['namespace'], meta['generation'], pod['kind'], pod['apiVersion']) == ('default', 1, 'Pod', 'v1')
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', meta['creationTimestamp']) and len(meta['uid']) == 36
    node = store.create('nodes', {'metadata': {'name': 'n1', 'namespace': 'ignored'}})
    assert 'namespace' not in node['metadata'] and 'generation' not in node['metadata']
    assert int(node['metadata']['resourceVersion']) == int(meta['resourceVersion']) + 1
    assert store.list('pods')[1] == node['metadata']['resourceVersion']


def test_create_refuses_duplicates_and_nameless_objects():
    store = Store()
    store.create('pods', _pod('web'))
    err = _error(store.create, 'pods', _pod('web'))
    assert (err.code, err.reason, err.message, err.details) == (409, 'AlreadyExists', 'pods "web" already exists',
                                                                {'name': 'web', 'group': '', 'kind': 'pods'})
    err = _error(store.create, 'deployments', {'metadata': {}})
    assert (err.code, err.message) == (422, 'Deployment.apps "" is invalid: metadata.name: Required value: name or '
                                            'generateName is required')


def test_list_sorts_and_filters():
    store = Store()
    for name, ns in (('b', 'default'), ('a', 'kube-system'), ('a', 'default')):
        store.create('pods', dict(_pod(name), metadata={'name': name, 'namespace': ns, 'labels': {'app': name}}))
    items, _rv = store.list('pods')
    assert [(p['metadata']['namespace'], p['metadata']['name']) for p in items] == [
        ('default', 'a'), ('default', 'b'), ('kube-system', 'a')]
    assert [p['metadata']['name'] for p in store.list('pods', 'default', 'app=a')[0]] == ['a']
    assert store.list('pods', field_selector='metadata.namespace=kube-system')[0][0]['metadata']['name'] == 'a'


def test_update_conflicts_on_stale_versions_and_writes_nothing_unchanged():
    store = Store()
    first = store.create('deployments', {'metadata': {'name': 'web', 'namespace': 'default'},
                                         'spec': {'replicas': 1}, 'status': {'replicas': 1}})
    same = store.update('deployments', first)
    assert same['metadata']['resourceVersion'] == first['metadata']['resourceVersion']
    scaled = store.update('deployments', dict(first, spec={'replicas': 2}, status={'replicas': 9}))
    assert scaled['metadata']['generation'] == 2
    assert scaled['status'] == {'replicas': 1}  # PUT of the main resource leaves status alone
    err = _error(store.update, 'deployments', first)
    assert (err.code, err.reason, err.message) == (
        409, 'Conflict', 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
                         'please apply your changes to the latest version and try again')
    status = store.update('deployments', dict(scaled, spec={'replicas': 7}, status={'replicas': 2}), 'status')
    assert (status['spec'], status['status'], status['metadata']['generation']) == (
        {'replicas': 2}, {'replicas': 2}, 2)
    assert _error(store.update, 'deployments', dict(first, metadata={'name': 'db', 'namespace': 'default'})).code == 404


def test_patches_by_content_type():
    store = Store()
    store.create('nodes', {'metadata': {'name': 'n1', 'labels': {'a': '1', 'b': '2'}}, 'spec': {}})
    node = store.patch('nodes', None, 'n1', {'spec': {'unschedulable': True}}, STRATEGIC_MERGE_PATCH)
    assert node['spec'] == {'unschedulable': True}
    node = store.patch('nodes', None, 'n1', {'spec': {'unschedulable': None}, 'metadata': {'labels': {'a': None}}},
                       MERGE_PATCH)
    assert (node['spec'], node['metadata']['labels']) == ({}, {'b': '2'})
    node = store.patch('nodes', None, 'n1', [
        {'op': 'add', 'path': '/metadata/labels/c~1d', 'value': '3'},
        {'op': 'replace', 'path': '/metadata/labels/b', 'value': '4'},
        {'op': 'copy', 'from': '/metadata/labels/b', 'path': '/metadata/annotations'},
        {'op': 'remove', 'path': '/metadata/annotations'},
        {'op': 'test', 'path': '/metadata/labels/c~1d', 'value': '3'}], JSON_PATCH)
    assert node['metadata']['labels'] == {'b': '4', 'c/d': '3'}
    failed = _error(store.patch, 'nodes', None, 'n1', [{'op': 'remove', 'path': '/spec/missing'}], JSON_PATCH)
    assert (failed.code, failed.reason) == (422, 'Invalid')
    assert _error(store.patch, 'nodes', None, 'n1', {}, 'application/yaml').code == 415
    stale = {'metadata': {'resourceVersion': '1'}, 'spec': {'unschedulable': True}}
    assert _error(store.patch, 'nodes', None, 'n1', stale, MERGE_PATCH).reason == 'Conflict'
    assert _error(store.patch, 'nodes', None, 'n2', {}, MERGE_PATCH).code == 404


def test_delete_returns_the_object_at_the_deletion_version():
    store = Store()
    pod = store.create('pods', _pod('web'))
    deleted = store.delete('pods', 'default', 'web')
    assert int(deleted['metadata']['resourceVersion']) == int(pod['metadata']['resourceVersion']) + 1
    assert _error(store.get, 'pods', 'default', 'web').code == 404
    assert _error(store.delete, 'pods', 'default', 'web').message == 'pods "web" not found'


def test_mutate_writes_only_changes():
    store = Store()
    pod = store.create('pods', _pod('web'))
    same = store.mutate('pods', 'default', 'web', lambda p: p)
    assert same['metadata']['resourceVersion'] == pod['metadata']['resourceVersion']
    ready = store.mutate('pods', 'default', 'web', lambda p: dict(p, status={'phase': 'Running', 'x': 1}))
    assert ready['status'] == {'phase': 'Running', 'x': 1} and ready['metadata']['generation'] == 1


def test_listeners_see_every_change_in_order_even_the_ones_they_make():
    store = Store()
    seen = []

    def label_new_pods(kind: str, resource: str, obj: dict) -> None:
        seen.append((kind, obj['metadata']['name'], dict(obj['metadata'].get('labels') or {})))
        if kind == 'ADDED':
            store.mutate('pods', 'default', obj['metadata']['name'],
                         lambda p: dict(p, metadata=dict(p['metadata'], labels={'seen': 'yes'})))

    unsubscribe = store.subscribe(label_new_pods)
    store.create('pods', _pod('a'))
    store.create('pods', _pod('b'))
    unsubscribe()
    store.delete('pods', 'default', 'a')
    assert seen == [('ADDED', 'a', {}), ('MODIFIED', 'a', {'seen': 'yes'}),
                    ('ADDED', 'b', {}), ('MODIFIED', 'b', {'seen': 'yes'})]


# ---------------------------------------------------------------- watches

async def _drain(watch, count: int) -> list[tuple[str, str]]:
    got = []
    for _index in range(count):
        kind, obj = await asyncio.wait_for(watch.__anext__(), 1)
        got.append((kind, obj['metadata']['name']))
    return got


def test_watch_without_version_lists_then_follows():
    async def run():
        store = Store()
        store.create('pods', _pod('a'))
        watch = store.watch('pods', 'default')
        store.create('pods', _pod('b'))
        store.delete('pods', 'default', 'a')
        got = await _drain(watch, 3)
        watch.close()
        with pytest.raises(StopAsyncIteration):
            await watch.__anext__()
        return got
    assert asyncio.run(run()) == [('ADDED', 'a'), ('ADDED', 'b'), ('DELETED', 'a')]


def test_watch_from_a_version_replays_what_followed_and_expires_once_it_is_forgotten():
    async def run():
        store = Store(history=3)
        start = store.create('pods', _pod('a'))['metadata']['resourceVersion']
        store.create('pods', _pod('b'))
        store.create('nodes', {'metadata': {'name': 'n1'}})
        replayed = await _drain(store.watch('pods', resource_version=start), 1)
        store.create('pods', _pod('c'))
        store.create('pods', _pod('d'))
        return replayed, _error(store.watch, 'pods', None, '', '', start)
    replayed, err = asyncio.run(run())
    assert replayed == [('ADDED', 'b')]
    # revisions 2..6; the history keeps 4..6, so events after 3 are all known and after 2 are not
    assert (err.code, err.reason, err.message) == (410, 'Expired', 'too old resource version: 2 (3)')


def test_watch_with_a_selector_sees_objects_enter_and_leave_it():
    async def run():
        store = Store()
        store.create('pods', _pod('a', {'app': 'web'}))
        watch = store.watch('pods', 'default', label_selector='app=web', resource_version=store.revision)
        store.patch('pods', 'default', 'a', {'metadata': {'labels': {'app': 'db'}}}, MERGE_PATCH)
        store.create('pods', _pod('b', {'app': 'db'}))
        store.patch('pods', 'default', 'b', {'metadata': {'labels': {'app': 'web'}}}, MERGE_PATCH)
        left = await asyncio.wait_for(watch.__anext__(), 1)
        entered = await asyncio.wait_for(watch.__anext__(), 1)
        return left, entered
    (left_kind, left), (entered_kind, entered) = asyncio.run(run())
    assert (left_kind, left['metadata']['name'], left['metadata']['labels']) == ('DELETED', 'a', {'app': 'web'})
    assert (entered_kind, entered['metadata']['name']) == ('ADDED', 'b')
