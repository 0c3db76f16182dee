# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client through an endpoint that reboots, against talos-sim (issue 14).

talos-sim stops a rebooting machine's apid as grpc-go's GracefulStop does: it stops listening, sends
GOAWAY and a PING, a second GOAWAY after the ack, and lets the calls in flight finish within the grace
period. Calls proxied through that endpoint to another node must run on; new calls go elsewhere.
"""

from __future__ import annotations

import asyncio

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.tests.integration.conftest import sim, start_fleet

GRACE = 30.0  # long enough never to be what ends the test's calls


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    """1 control plane (etcd not bootstrapped, so EtcdRecover takes an upload) and 1 worker."""
    state = str(tmp_path_factory.mktemp('goaway'))
    running = start_fleet(state, '--controlplanes', '1', '--workers', '1', '--grace-period', str(GRACE))
    yield running
    sim('down', '--state-dir', state)


async def _until(predicate, what: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, 'timed out waiting for ' + what
        await asyncio.sleep(0.05)


async def _until_async(predicate, what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, 'timed out waiting for ' + what
        await asyncio.sleep(0.2)


async def _running(client: TalosClient, node: str) -> bool:
    states = {service['id']: service['state'] for service in await client.service_list(node=node)}
    return states.get('cri') == states.get('kubelet') == 'Running'


def test_calls_to_another_node_survive_a_graceful_stop_of_their_endpoint(fleet):
    worker, cp = fleet.addresses('worker')[0], fleet.addresses('controlplane')[0]
    # Every call goes through the worker first; the worker is the machine that reboots.
    settings = settings_from_options({'talosconfig': fleet.talosconfig, 'endpoints': [worker, cp]})

    async def run():
        async with TalosClient(settings) as client:
            for node in (cp, worker):  # up, with CRI and kubelet running (and /var mounted: EtcdRecover takes uploads)
                await _until_async(lambda: _running(client, node), 'CRI and kubelet on ' + node)
            events: list[dict] = []

            async def watch():
                async for event in client.events(node=cp):
                    events.append(event)
                    if event.get('service') == 'kubelet' and event.get('action') == 'running':
                        return
            watcher = asyncio.ensure_future(watch())
            await _until(lambda: events or watcher.done(), 'the events stream to start')

            first_sent, go_on = asyncio.Event(), asyncio.Event()

            async def snapshot():
                yield b'x' * 65536
                first_sent.set()
                await go_on.wait()
                yield b'y' * 65536
            upload = asyncio.ensure_future(client.etcd_recover(snapshot(), node=cp))
            await asyncio.wait_for(first_sent.wait(), 15)

            channel = client._endpoints[worker]._channel  # pylint: disable=protected-access
            await client.reboot(node=worker)  # answered on the connection the worker is about to drain
            await _until(lambda: channel.goaways or upload.done() or watcher.done(),
                         'the graceful GOAWAY from the rebooting worker')
            go_on.set()
            # The upload was in flight when its endpoint went away gracefully: it completes, and is reported so.
            assert await asyncio.wait_for(upload, 15) is None
            # A new call does not go to the draining connection: the worker refuses it, the next endpoint serves it.
            seen_before = len(events)
            assert await client.service_restart('kubelet', node=cp) == 'Service "kubelet" restarted'
            # The events stream through the draining worker keeps delivering the control plane's events.
            await asyncio.wait_for(watcher, 15)
            assert channel.draining, 'the stream ran on the connection the worker was draining'
            return events[seen_before:], channel.goaways
    after, goaways = asyncio.run(run())
    assert goaways == 1
    assert [(e['service'], e['action']) for e in after if e.get('type') == 'ServiceStateEvent'][-1] == \
        ('kubelet', 'running')
