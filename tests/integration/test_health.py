# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""health and service modules through the real ansible-playbook, COSI Watch through the client.

One fleet of three control planes and a worker is shared by the tests of this file, which run in
order: bootstrap and health, failures and recovery, services, then watches.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.tests.integration.conftest import (
    REPO, ansible_playbook, assert_ok, sim, start_fleet)


@pytest.fixture(scope='module')
def health_fleet(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('health-fleet'))
    running = start_fleet(state, '--controlplanes', '3', '--workers', '1')
    running.ctl('extension-service', 'talos-worker-1', 'iscsid')
    yield running
    sim('down', '--state-dir', state)


def common(fleet) -> dict:
    return {'talosconfig': fleet.talosconfig, 'cps': fleet.addresses('controlplane'),
            'workers': fleet.addresses('worker'), 'repo': REPO,
            'sim': [sys.executable, '-m', 'simulator', 'ctl', '--state-dir', fleet.state_dir]}


def test_health_of_a_bootstrapped_cluster(health_fleet):
    assert_ok(ansible_playbook('health.yml', common(health_fleet)))


def test_health_fails_in_time_and_recovers(health_fleet):
    assert_ok(ansible_playbook('health_down.yml', common(health_fleet)))


def test_service_idempotence_and_check_mode(health_fleet):
    assert_ok(ansible_playbook('service.yml', common(health_fleet)))


def _client(fleet) -> TalosClient:
    return TalosClient(settings_from_options({'talosconfig': fleet.talosconfig}))


async def _collect(stream, stop, limit: float = 10.0) -> list[dict]:
    seen = []

    async def run() -> None:
        async for event in stream:
            seen.append(event)
            if stop(seen):
                return
    await asyncio.wait_for(run(), limit)
    return seen


def test_watch_bootstraps_then_follows_changes(health_fleet):
    worker = health_fleet.addresses('worker')[0]

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        async with _client(health_fleet) as client:
            kind = client.watch('runtime', 'Services.v1alpha1.talos.dev', node=worker, bootstrap=True)
            bootstrap = await _collect(kind, lambda seen: seen[-1]['type'] == 'BOOTSTRAPPED')
            one = client.watch('runtime', 'Services.v1alpha1.talos.dev', 'ext-iscsid', node=worker)
            first = await one.__anext__()
            await client.service_stop('ext-iscsid', worker)
            changes = [first] + await _collect(one, lambda seen: seen[-1]['type'] == 'DESTROYED')
            await client.service_start('ext-iscsid', worker)
            changes += await _collect(one, lambda seen: seen[-1]['type'] == 'CREATED')
            await one.aclose()
            missing = client.watch('runtime', 'Services.v1alpha1.talos.dev', 'nonsense', node=worker)
            absent = [await missing.__anext__()]
            await missing.aclose()
            return bootstrap, changes, absent

    bootstrap, changes, absent = asyncio.run(scenario())
    assert [event['type'] for event in bootstrap[:-1]] == ['CREATED'] * (len(bootstrap) - 1)
    assert 'kubelet' in [event['resource']['metadata']['id'] for event in bootstrap[:-1]]
    assert bootstrap[-1]['resource'] is None
    assert [event['type'] for event in changes] == ['CREATED', 'DESTROYED', 'CREATED']
    assert changes[0]['resource']['spec'] == {'running': True, 'healthy': True, 'unknown': False}
    assert absent[0]['type'] == 'DESTROYED' and absent[0]['resource']['metadata']['id'] == 'nonsense'


def test_watch_machine_status_through_a_reboot_and_health_stream(health_fleet):
    """A MachineStatus watch sees the reboot's stages; the HealthCheck stream is served by control planes only."""
    worker = health_fleet.addresses('worker')[0]
    cp = health_fleet.addresses('controlplane')[0]

    async def scenario() -> tuple[list[str], str, list[str]]:
        async with _client(health_fleet) as client:
            stream = client.watch('runtime', 'MachineStatuses.runtime.talos.dev', 'machine', node=cp)
            first = await stream.__anext__()
            stages = [first['resource']['spec']['stage']]
            await client.reboot(cp)
            try:
                async for event in stream:
                    stages.append(event['resource']['spec']['stage'])
            except Exception:  # pylint: disable=broad-except  # the machine goes away mid-stream
                pass
            try:
                async for _line in client.health_check(5, node=worker):
                    pass
                refused = ''
            except Exception as exc:  # pylint: disable=broad-except
                refused = str(exc)
            lines = [line async for line in client.health_check(60, node=health_fleet.addresses('controlplane')[1])]
            return stages, refused, lines

    stages, refused, lines = asyncio.run(scenario())
    assert stages[0] == 'running' and 'rebooting' in stages
    assert 'only available on control plane nodes' in refused
    assert lines[0].startswith('discovered nodes: ')
    assert lines[-1] == 'waiting for all k8s nodes to report schedulable: OK'


def test_server_check_needs_admin_and_names_resolve(health_fleet):
    extra = dict(common(health_fleet), cp_names=[m['hostname'] for m in health_fleet.machines
                                                 if m['type'] == 'controlplane'])
    assert_ok(ansible_playbook('health_roles_names.yml', extra))
