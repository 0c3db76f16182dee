# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: check mode predicts what the real run does (issue 18, defect 13).

A refusal Talos would give is a failure in check mode too; a role run with --check on a new cluster
directory reports what it would do instead of failing on files a real run would have written.
"""

from __future__ import annotations

import os
import time

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import transport
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.tests.faults.conftest import play, run_rows
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture

pytestmark = pytest.mark.faults

REFUSED_STOP = 'service "kubelet" doesn\'t support stop operation via API'


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1')


@pytest.fixture(scope='module')
def maintenance_fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--maintenance', '--controlplanes', '1', '--workers', '1')


def kubelet(fleet, node: str) -> dict:
    settings = settings_from_options({'talosconfig': os.path.join(fleet.state_dir, 'talosconfig'), 'nodes': [node]})

    async def read():
        async with TalosClient(settings) as client:
            return next(s for s in await client.service_list(node) if s['id'] == 'kubelet')
    return transport.run(read())


@pytest.fixture(scope='module')
def service_rows(fleet, tmp_path_factory):
    """kubelet on the worker: stop in check mode, stop for real, restart in check mode; then kubelet as it is."""
    worker = fleet.address('talos-worker-1')
    args = {'talosconfig': os.path.join(fleet.state_dir, 'talosconfig'), 'node': worker, 'name': 'kubelet'}
    rows = [{'talos.linux.service': dict(args, state='stopped'), 'check_mode': True},
            {'talos.linux.service': dict(args, state='stopped')},
            {'talos.linux.service': dict(args, state='restarted'), 'check_mode': True}]
    before = kubelet(fleet, worker)
    for _attempt in range(60):  # a fresh fleet's kubelet may still be on its way up
        if before['state'] == 'Running':
            break
        time.sleep(0.5)
        before = kubelet(fleet, worker)
    return run_rows(tmp_path_factory.mktemp('service'), rows), before, kubelet(fleet, worker)


def test_service_stop_of_kubelet_fails_in_check_mode_as_talos_refuses_it(service_rows):
    """Stopping kubelet fails in check mode with the message Talos refuses the real stop with, and kubelet
    keeps running."""
    (check, real, _restart), before, after = service_rows
    assert check.get('failed') and real.get('failed'), (check, real)
    assert REFUSED_STOP in check['msg'] and REFUSED_STOP in real['msg'], (check, real)
    assert before['state'] == after['state'] == 'Running'


def test_service_restart_of_kubelet_is_predicted_in_check_mode(service_rows):
    """Restarting kubelet, which Talos allows, reports a change in check mode and restarts nothing."""
    (_check, _real, restart), before, after = service_rows
    assert not restart.get('failed') and restart['changed'], restart
    assert after['state'] == 'Running' and after['events'][:len(before['events'])] == before['events']
    assert 'Finished' not in ' '.join(after['events'][len(before['events']):]), after


def test_cluster_bootstrap_check_on_a_new_cluster_directory_reports_what_it_would_do(maintenance_fleet, tmp_path):
    """cluster_bootstrap with --check on a new cluster directory succeeds, says which machines it would
    configure and where etcd would be bootstrapped, and writes and configures nothing."""
    cp, worker = (maintenance_fleet.address(name) for name in ('talos-cp-1', 'talos-worker-1'))
    cluster_dir = str(tmp_path / 'cluster')
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {
        'vars': {'ansible_connection': 'local', 'talos_cluster_bootstrap_dir': cluster_dir,
                 'talos_cluster_bootstrap_cluster_name': 'check', 'talos_cluster_bootstrap_talos_version': 'v1.14'},
        'children': {'controlplane': {'hosts': {'cp-1': {'talos_node': cp}}},
                     'worker': {'hosts': {'worker-1': {'talos_node': worker}}}}}}))
    tasks = [{'ansible.builtin.include_role': {'name': 'talos.linux.cluster_bootstrap'}}]
    run = play(tmp_path, tasks, check=True, hosts='all', inventory=str(inventory))
    assert not run.failed, run.output
    assert 'check mode, new cluster directory' in run.output, run.output
    assert 'first configuration to apply to %s, %s' % (cp, worker) in run.output, run.output
    assert 'etcd to bootstrap on %s' % cp in run.output, run.output
    assert not os.path.exists(cluster_dir)
    assert {m['state'] for m in maintenance_fleet.ctl('status')['machines']} == {'maintenance'}
