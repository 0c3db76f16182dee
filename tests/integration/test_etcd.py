# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd modules and bootstrap through the real ansible-playbook, against real etcd members in talos-sim.

One fleet of three control planes and a worker is shared by the tests of this file, which run in
order: bootstrap, then operations, then membership changes, then recovery.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import take_snapshot
from ansible_collections.talos.linux.tests.integration.conftest import (
    REPO, ansible_playbook, assert_ok, sim, start_fleet)


@pytest.fixture(scope='module')
def etcd_fleet(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('etcd-fleet'))
    running = start_fleet(state, '--controlplanes', '3', '--workers', '1')
    yield running
    sim('down', '--state-dir', state)


def common(fleet) -> dict:
    return {'talosconfig': fleet.talosconfig, 'cps': fleet.addresses('controlplane'),
            'worker': fleet.addresses('worker')[0],
            'repo': REPO, 'sim': [sys.executable, '-m', 'simulator', 'ctl', '--state-dir', fleet.state_dir]}


def test_bootstrap_once(etcd_fleet):
    assert_ok(ansible_playbook('etcd_bootstrap.yml', common(etcd_fleet)))


def test_snapshot_defragment_alarms(etcd_fleet, tmp_path):
    assert_ok(ansible_playbook('etcd_ops.yml', dict(common(etcd_fleet), backup_dir=str(tmp_path))))


def test_snapshot_fails_over_from_an_unreachable_endpoint(etcd_fleet, tmp_path):
    """The snapshot reader (client.bulk_stream) moves on to the next endpoint when the first refuses connections."""
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        dead = '127.0.0.1:%d' % closed.getsockname()[1]
    cps = etcd_fleet.addresses('controlplane')
    settings = settings_from_options({'talosconfig': etcd_fleet.talosconfig, 'endpoints': [dead, cps[0]]})

    async def snapshot():
        async with TalosClient(settings) as client:
            return await take_snapshot(client, cps[1], str(tmp_path / 'failover.snapshot'))
    facts = asyncio.run(snapshot())
    assert facts['hash_verified'] and facts['size'] % 512 == 32
    assert os.path.getsize(facts['path']) == facts['size']


def test_quorum_and_membership(etcd_fleet):
    assert_ok(ansible_playbook('etcd_members.yml', common(etcd_fleet)))


def test_recover_from_snapshot(etcd_fleet, tmp_path):
    data_dirs = [os.path.join(etcd_fleet.state_dir, 'etcd', name, 'data')
                 for name in ('talos-cp-1', 'talos-cp-2', 'talos-cp-3')]
    assert_ok(ansible_playbook('etcd_recover.yml', dict(common(etcd_fleet), backup_dir=str(tmp_path),
                                                        data_dirs=data_dirs)))


def test_bootstrap_retries_preconditions(tmp_path_factory):
    """Right after `up` the container runtime is not up (--bootstrap-delay): the first refusals are retried."""
    state = str(tmp_path_factory.mktemp('bootstrap-preconditions'))
    fleet = start_fleet(state, '--controlplanes', '1', '--bootstrap-delay', '6')
    try:
        assert_ok(ansible_playbook('etcd_bootstrap_preconditions.yml', {
            'talosconfig': fleet.talosconfig, 'cps': fleet.addresses('controlplane'), 'repo': REPO,
            'sim': [sys.executable, '-m', 'simulator', 'ctl', '--state-dir', state]}))
    finally:
        sim('down', '--state-dir', state)
