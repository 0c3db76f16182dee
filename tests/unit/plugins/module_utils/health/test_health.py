# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check selection and the reading of Talos's HealthCheck progress lines."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.health.health import (parse_progress, select_checks,
                                                                                still_waiting)


def test_default_checks_leave_out_version_unless_asked():
    assert select_checks(None, [], False) == ['reachable', 'boot_sequence', 'etcd', 'services', 'server']
    assert 'version' in select_checks(None, [], True)
    assert select_checks(['server', 'etcd'], ['server'], False) == ['etcd']


def test_unknown_check_names_are_refused():
    with pytest.raises(TalosError, match='unknown health checks: nope'):
        select_checks(['nope'], [], False)


def test_progress_lines_become_per_check_results():
    lines = [
        'discovered nodes: ["10.5.0.2" "10.5.0.3"]',
        'waiting for etcd to be healthy: ...',
        'waiting for etcd to be healthy: OK',
        'waiting for kube-proxy to report ready: SKIP',
        'waiting for apid to be ready: ...',
        'waiting for apid to be ready: error getting version from node "10.5.0.3": rpc error: code = Unavailable',
    ]
    assert parse_progress(lines) == [
        {'name': 'etcd to be healthy', 'status': 'passed', 'error': ''},
        {'name': 'kube-proxy to report ready', 'status': 'skipped', 'error': ''},
        {'name': 'apid to be ready', 'status': 'waiting',
         'error': 'error getting version from node "10.5.0.3": rpc error: code = Unavailable'},
    ]


def test_multiline_errors_are_kept_whole():
    lines = ['waiting for etcd to be healthy: 1 error occurred:\n\t* 10.5.0.3: service is not healthy: etcd']
    assert parse_progress(lines)[0]['error'].endswith('service is not healthy: etcd')


def test_only_checks_still_waiting_are_progress_worth_showing():
    assert still_waiting('waiting for etcd to be healthy: ...')
    assert still_waiting('waiting for etcd to be healthy: 1 error occurred: service is not healthy: etcd')
    assert not still_waiting('waiting for etcd to be healthy: OK')
    assert not still_waiting('waiting for kube-proxy to report ready: SKIP')
    assert not still_waiting('discovered nodes: ["10.5.0.2" "10.5.0.3"]')
