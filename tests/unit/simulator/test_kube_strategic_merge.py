# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's strategic merge patch and the DaemonSet rolling update's choice of pods.

The MERGE_ITEM cases are data from kubernetes/kubernetes v1.34.0
``staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go`` (customStrategicMergePatchTestCaseData
and the ``$setElementOrder`` raw cases: original, twoWay patch, expected result), with that file's MergeItem
type written as a schema."""

from __future__ import annotations

import pytest

from simulator.kube import daemon_rollout
from simulator.kube.strategic_merge import MergeList, PatchError, schema_for, strategic_merge

MERGE_ITEM: dict = {'mergingIntList': MergeList(''), 'retainKeysMap': {'mergingIntList': MergeList('')}}
MERGE_ITEM['mergingList'] = MergeList('name', MERGE_ITEM)
MERGE_ITEM['retainKeysMergingList'] = MergeList('name', MERGE_ITEM)

UPSTREAM_CASES = [
    ('unique scalars when merging lists', {'mergingIntList': [1, 2]}, {'mergingIntList': [2, 3]},
     {'mergingIntList': [1, 2, 3]}),
    ('delete map from nested map', {'simpleMap': {'key1': 1, 'key2': 1}}, {'simpleMap': {'$patch': 'delete'}},
     {'simpleMap': {}}),
    ('delete all items from merging list', {'mergingList': [{'name': 1}, {'name': 2}]},
     {'mergingList': [{'$patch': 'replace'}]}, {'mergingList': []}),
    ('merge empty merging lists', {'mergingList': []}, {'mergingList': []}, {'mergingList': []}),
    ('delete all keys from map', {'name': 1, 'value': 1}, {'$patch': 'replace'}, {}),
    ('add key and delete all keys from map', {'name': 1, 'value': 1}, {'other': 'a', '$patch': 'replace'},
     {'other': 'a'}),
    ('delete all duplicate entries in a merging list',
     {'mergingList': [{'name': 1}, {'name': 1}, {'name': 2, 'value': 'a'}, {'name': 3}, {'name': 3}]},
     {'mergingList': [{'name': 1, '$patch': 'delete'}, {'name': 1, '$patch': 'delete'},
                      {'name': 3, '$patch': 'delete'}, {'name': 3, '$patch': 'delete'}]},
     {'mergingList': [{'name': 2, 'value': 'a'}]}),
    ('retainKeys map can delete a field when no retainKeys directive present',
     {'retainKeysMap': {'name': 'foo', 'value': 'a'}}, {'retainKeysMap': {'value': None}},
     {'retainKeysMap': {'name': 'foo'}}),
    ('retainKeys list can change a field when no retainKeys directive present',
     {'retainKeysMergingList': [{'name': 'bar'}, {'name': 'foo', 'value': 'a'}]},
     {'retainKeysMergingList': [{'name': 'foo', 'value': 'b'}]},
     {'retainKeysMergingList': [{'name': 'bar'}, {'name': 'foo', 'value': 'b'}]}),
    ('preserve the order from the patch in a merging list',
     {'mergingList': [{'name': 1}, {'name': 2, 'value': 'b'}, {'name': 3}]},
     {'mergingList': [{'name': 3, 'value': 'c'}, {'name': 1, 'value': 'a'}, {'name': 2, 'other': 'x'}]},
     {'mergingList': [{'name': 3, 'value': 'c'}, {'name': 1, 'value': 'a'}, {'name': 2, 'value': 'b', 'other': 'x'}]}),
    ('preserve the order from the patch in a merging list 2',
     {'mergingList': [{'name': 1}, {'name': 2, 'value': 'b'}, {'name': 3}]},
     {'mergingList': [{'name': 3, 'value': 'c'}, {'name': 1, 'value': 'a'}]},
     {'mergingList': [{'name': 2, 'value': 'b'}, {'name': 3, 'value': 'c'}, {'name': 1, 'value': 'a'}]}),
    ('preserve the order from the patch in a merging int list', {'mergingIntList': [1, 2, 3]},
     {'mergingIntList': [3, 1]}, {'mergingIntList': [2, 3, 1]}),
    ('$setElementOrder contains item that is not present in the list to be merged',
     {'mergingList': [{'name': 1}, {'name': 3}]},
     {'$setElementOrder/mergingList': [{'name': 3}, {'name': 2}, {'name': 1}],
      'mergingList': [{'name': 3, 'value': 3}, {'name': 1, 'value': 1}]},
     {'mergingList': [{'name': 3, 'value': 3}, {'name': 1, 'value': 1}]}),
    ('$setElementOrder contains item that is not present in the int list to be merged',
     {'mergingIntList': [1, 3]}, {'$setElementOrder/mergingIntList': [3, 2, 1]}, {'mergingIntList': [3, 1]}),
]


@pytest.mark.parametrize('original, patch, expected', [c[1:] for c in UPSTREAM_CASES],
                         ids=[c[0] for c in UPSTREAM_CASES])
def test_upstream_cases(original, patch, expected):
    assert strategic_merge(original, patch, MERGE_ITEM) == expected


def _kube_proxy() -> dict:
    return {'spec': {'template': {'spec': {
        'containers': [{'name': 'kube-proxy', 'image': 'registry.k8s.io/kube-proxy:v1.33.1',
                        'command': ['/usr/local/bin/kube-proxy'], 'env': [{'name': 'A', 'value': '1'}]},
                       {'name': 'sidecar', 'image': 'busybox'}],
        'tolerations': [{'operator': 'Exists'}]}}}}


def test_containers_merge_by_name_and_keep_their_other_fields():
    patch = {'spec': {'template': {'spec': {'containers': [{'name': 'kube-proxy',
                                                            'image': 'registry.k8s.io/kube-proxy:v1.34.0'}]}}}}
    merged = strategic_merge(_kube_proxy(), patch, schema_for('daemonsets'))
    proxy, sidecar = merged['spec']['template']['spec']['containers']
    assert proxy == {'name': 'kube-proxy', 'image': 'registry.k8s.io/kube-proxy:v1.34.0',
                     'command': ['/usr/local/bin/kube-proxy'], 'env': [{'name': 'A', 'value': '1'}]}
    assert sidecar == {'name': 'sidecar', 'image': 'busybox'}


def test_nested_env_merges_and_lists_without_merge_key_are_replaced():
    patch = {'spec': {'template': {'spec': {
        'containers': [{'name': 'kube-proxy', 'env': [{'name': 'A', 'value': '2'}, {'name': 'B', 'value': '3'}]}],
        'tolerations': [{'key': 'x', 'operator': 'Exists'}]}}}}
    merged = strategic_merge(_kube_proxy(), patch, schema_for('daemonsets'))['spec']['template']['spec']
    assert merged['containers'][0]['env'] == [{'name': 'A', 'value': '2'}, {'name': 'B', 'value': '3'}]
    assert merged['tolerations'] == [{'key': 'x', 'operator': 'Exists'}]


def test_delete_directive_removes_a_container():
    patch = {'spec': {'template': {'spec': {'containers': [{'name': 'sidecar', '$patch': 'delete'}]}}}}
    merged = strategic_merge(_kube_proxy(), patch, schema_for('daemonsets'))
    assert [c['name'] for c in merged['spec']['template']['spec']['containers']] == ['kube-proxy']


@pytest.mark.parametrize('patch, message', [
    ({'spec': {'template': {'spec': {'containers': [{'image': 'x'}]}}}},
     'map: map[image:x] does not contain declared merge key: name'),
    ({'spec': {'template': {'spec': {'containers': [{'name': 'x', '$patch': 'merge'}]}}}},
     'merging lists cannot yet be specified in the patch'),
    ({'spec': {'$patch': 'bogus'}}, 'unknown patch type: bogus in map: map[$patch:bogus]'),
    ({'spec': {'$retainKeys': ['template'], 'selector': {}}}, 'invalid patch format of retainKeys'),
])
def test_refused_patches(patch, message):
    with pytest.raises(PatchError) as caught:
        strategic_merge(_kube_proxy(), patch, schema_for('daemonsets'))
    assert str(caught.value) == message


def test_retain_keys_clears_the_fields_left_out():
    original = {'spec': {'template': {'spec': {'volumes': [{'name': 'v', 'hostPath': {'path': '/a'}}]}}}}
    patch = {'spec': {'template': {'spec': {'volumes': [{'name': 'v', '$retainKeys': ['name', 'emptyDir'],
                                                         'emptyDir': {}}]}}}}
    merged = strategic_merge(original, patch, schema_for('daemonsets'))
    assert merged['spec']['template']['spec']['volumes'] == [{'name': 'v', 'emptyDir': {}}]


# -- the rolling update's choice -------------------------------------------------------------------------------

def _pod(name: str, revision: str, ready: bool) -> dict:
    return {'metadata': {'name': name, 'labels': {daemon_rollout.REVISION_LABEL: revision}},
            'status': {'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'False'}]}}


def _ds(strategy: dict) -> dict:
    return {'spec': {'updateStrategy': strategy}}


ROLLING = {'type': 'RollingUpdate', 'rollingUpdate': {'maxUnavailable': 1}}


def _names(pods: list) -> list:
    return [p['metadata']['name'] for p in pods]


def test_one_old_pod_at_a_time():
    nodes = [[_pod('a', 'old', True)], [_pod('b', 'old', True)], [_pod('c', 'old', True)]]
    assert _names(daemon_rollout.pods_to_replace(_ds(ROLLING), nodes, 'new')) == ['a']


def test_waits_while_a_new_pod_is_not_ready_or_a_node_has_none():
    nodes = [[_pod('a', 'new', False)], [_pod('b', 'old', True)]]
    assert daemon_rollout.pods_to_replace(_ds(ROLLING), nodes, 'new') == []
    assert daemon_rollout.pods_to_replace(_ds(ROLLING), [[], [_pod('b', 'old', True)]], 'new') == []
    nodes = [[_pod('a', 'new', True)], [_pod('b', 'old', True)]]
    assert _names(daemon_rollout.pods_to_replace(_ds(ROLLING), nodes, 'new')) == ['b']


def test_unavailable_old_pods_are_replaced_at_once():
    nodes = [[_pod('a', 'new', False)], [_pod('b', 'old', False)], [_pod('c', 'old', False)]]
    assert _names(daemon_rollout.pods_to_replace(_ds(ROLLING), nodes, 'new')) == ['b', 'c']


def test_percentage_budget_rounds_up_and_on_delete_replaces_nothing():
    nodes = [[_pod(n, 'old', True)] for n in 'abcde']
    percent = {'type': 'RollingUpdate', 'rollingUpdate': {'maxUnavailable': '30%'}}
    assert _names(daemon_rollout.pods_to_replace(_ds(percent), nodes, 'new')) == ['a', 'b']
    assert daemon_rollout.pods_to_replace(_ds({'type': 'OnDelete'}), nodes, 'new') == []
