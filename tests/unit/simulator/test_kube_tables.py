# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side printing of talos-sim's Kubernetes: ages, pod status cells, selectors, includeObject."""

from __future__ import annotations

import datetime

import pytest

from simulator.kube.tables import format_label_selector, human_duration, table

NOW = datetime.datetime(2026, 1, 10, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize('seconds, text', [
    (-5, '<invalid>'), (-1, '0s'), (0, '0s'), (119, '119s'), (120, '2m'), (150, '2m30s'), (600, '10m'),
    (3 * 3600 - 1, '179m'), (3 * 3600, '3h'), (3 * 3600 + 60, '3h1m'), (8 * 3600, '8h'), (47 * 3600, '47h'),
    (48 * 3600, '2d'), (50 * 3600, '2d2h'), (8 * 86400, '8d'), (730 * 86400, '2y'), (731 * 86400, '2y1d'),
    (8 * 365 * 86400, '8y'),
])
def test_ages_are_worded_as_human_duration(seconds, text):
    assert human_duration(seconds) == text


def _pod(**status) -> dict:
    return {'metadata': {'name': 'p', 'namespace': 'default', 'creationTimestamp': '2026-01-09T23:59:00Z'},
            'spec': {'containers': [{'name': 'a'}, {'name': 'b'}]}, 'status': dict({'phase': 'Running'}, **status)}


@pytest.mark.parametrize('status, ready, shown, restarts', [
    ({}, '0/2', 'Running', '0'),
    ({'containerStatuses': [{'ready': True, 'restartCount': 1, 'state': {'running': {}}},
                            {'ready': True, 'restartCount': 2, 'state': {'running': {}},
                             'lastState': {'terminated': {'finishedAt': '2026-01-09T23:55:00Z'}}}]},
     '2/2', 'Running', '3 (5m ago)'),
    ({'containerStatuses': [{'ready': False, 'restartCount': 4,
                             'state': {'waiting': {'reason': 'CrashLoopBackOff'}}}]}, '0/2', 'CrashLoopBackOff', '4'),
    ({'containerStatuses': [{'ready': False, 'state': {'terminated': {'exitCode': 137}}}]}, '0/2', 'ExitCode:137', '0'),
    ({'phase': 'Pending'}, '0/2', 'Pending', '0'),
    ({'reason': 'Evicted', 'phase': 'Failed'}, '0/2', 'Evicted', '0'),
])
def test_pod_cells(status, ready, shown, restarts):
    [row] = table('pods', [_pod(**status)], '7', now=NOW)['rows']
    assert row['cells'][:5] == ['p', ready, shown, restarts, '60s']


def test_a_deleted_pod_is_terminating_and_finished_pods_are_completed_rows():
    pod = _pod()
    pod['metadata']['deletionTimestamp'] = '2026-01-10T00:00:00Z'
    assert table('pods', [pod], '1', now=NOW)['rows'][0]['cells'][2] == 'Terminating'
    assert table('pods', [_pod(phase='Succeeded')], '1', now=NOW)['rows'][0]['conditions'][0]['type'] == 'Completed'


def test_selectors_print_sorted_by_key():
    assert format_label_selector(None) == '<none>'
    assert format_label_selector({'matchLabels': {'b': '1', 'a': '2'}, 'matchExpressions': [
        {'key': 'c', 'operator': 'In', 'values': ['y', 'x']}, {'key': 'aa', 'operator': 'DoesNotExist'}]}) == \
        'a=2,!aa,b=1,c in (x,y)'


def test_include_object_and_wide_columns():
    node = {'kind': 'Node', 'apiVersion': 'v1', 'metadata': {'name': 'n1', 'creationTimestamp': '2026-01-01T00:00:00Z'}}
    as_metadata = table('nodes', [node], '9', now=NOW)
    assert as_metadata['metadata'] == {'resourceVersion': '9'}
    assert as_metadata['rows'][0]['object'] == {'kind': 'PartialObjectMetadata', 'apiVersion': 'meta.k8s.io/v1',
                                                'metadata': node['metadata']}
    assert as_metadata['rows'][0]['cells'] == ['n1', 'Unknown', '<none>', '9d', '', '<none>', '<none>', '<unknown>',
                                               '<unknown>', '<unknown>']
    assert [c['name'] for c in as_metadata['columnDefinitions'] if c['priority'] == 1] == [
        'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']
    assert table('nodes', [node], '9', 'Object', NOW)['rows'][0]['object'] is node
    assert table('nodes', [node], '9', 'None', NOW)['rows'][0]['object'] is None
    with pytest.raises(ValueError):
        table('nodes', [node], '9', 'Everything', NOW)
