# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoints that hang or answer slowly: reads move on to a healthy endpoint, writes are never sent twice.

A dead first endpoint (connection refused) is tests/integration/test_node_info.py::test_dead_first_endpoint_fails_over;
rollout stop and resume are tests/integration/test_drain_rollout.py. These rows add what talos-sim's
``ctl hang``/``ctl slow`` make possible: an endpoint that takes the connection and then says nothing.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.tests.faults.conftest import play
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture

pytestmark = pytest.mark.faults

TIMEOUT = 3  # the calls' timeout: how long a hung endpoint may hold a read before the next endpoint is tried
META_KEY = 0x0c


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """Two control planes (the context's endpoints) and a worker; nothing needs etcd here."""
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '2', '--workers', '1')


@pytest.fixture
def hung(sim):
    """Hang a machine's apid for one test (``hung(name, flavour)``), released afterwards whatever happens."""
    held = []

    def hang(name: str, flavour: str = 'rpc') -> None:
        held.append(name)
        sim.ctl('hang', name, flavour)
    yield hang
    for name in held:
        sim.ctl('unhang', name)


def _node_info(sim, tmp_path, **options) -> tuple[dict, float]:
    """node_info over every node of the fleet's context through ansible-playbook: its result and how long it took."""
    out = tmp_path / 'result.json'
    task = dict({'talosconfig': sim.state_dir + '/talosconfig', 'timeout': TIMEOUT}, **options)
    started = time.monotonic()
    run = play(tmp_path, [
        {'name': 'read every node', 'talos.linux.node_info': task, 'register': 'info', 'ignore_errors': True},
        {'ansible.builtin.copy': {'content': '{{ info | to_json }}', 'dest': str(out)}},
    ])
    took = time.monotonic() - started
    assert not run.failed, run.output
    return json.loads(out.read_text()), took


@pytest.mark.parametrize('flavour', ['tls', 'rpc'])
def test_reads_fail_over_from_a_first_endpoint_that_accepts_connections_but_never_answers(
        sim, hung, tmp_path, flavour):
    """A read the first endpoint takes but never answers moves on to the next endpoint: no healthy node is down."""
    hung('talos-cp-1', flavour)
    info, took = _node_info(sim, tmp_path, nodes=[sim.address('talos-cp-2'), sim.address('talos-worker-1')],
                            fail_on_unreachable=True)
    assert not info.get('failed'), info.get('msg')
    assert [n['hostname'] for n in info['nodes'] if n['reachable']] == ['talos-cp-2', 'talos-worker-1']
    assert info['unreachable_nodes'] == []
    assert took < 30, 'each read waited at most %ss for the hung endpoint' % TIMEOUT


def test_a_hung_node_is_reported_unreachable_by_name_and_the_others_are_read(sim, hung, tmp_path):
    """A node whose apid never answers is reported unreachable with a timeout naming it; the others are read."""
    hung('talos-worker-1')
    info, _took = _node_info(sim, tmp_path)
    worker = sim.address('talos-worker-1')
    assert info['unreachable_nodes'] == [worker]
    report = {n['node']: n for n in info['nodes']}
    assert report[worker]['grpc_code'] == 'DEADLINE_EXCEEDED'
    assert 'no answer within %ss' % TIMEOUT in report[worker]['error'] and worker in report[worker]['error']
    assert all(n['reachable'] for address, n in report.items() if address != worker)


def test_a_slow_endpoint_within_the_timeout_is_waited_for_not_skipped(sim, tmp_path):
    """An endpoint that answers late but within the timeout is used: nothing is reported unreachable."""
    sim.ctl('slow', 'talos-cp-1', '0.5')
    try:
        info, took = _node_info(sim, tmp_path, fail_on_unreachable=True)
    finally:
        sim.ctl('slow', 'talos-cp-1', '0')
    assert not info.get('failed'), info.get('msg')
    assert info['unreachable_nodes'] == []
    assert took >= 0.5, 'the answers did come through the slow endpoint'


def test_a_write_through_a_hung_endpoint_fails_and_is_never_sent_to_another_endpoint(sim, hung):
    """A write the first endpoint takes but never answers fails with its timeout; no other endpoint gets it.

    Driven through the client (a module reads first, and that read already moves the task to a healthy
    endpoint): the write is the first call, so only the transport decides where it goes.
    """
    worker = sim.address('talos-worker-1')
    hung('talos-cp-1')

    async def write_then_read() -> tuple[TalosError, list]:
        settings = settings_from_options({'talosconfig': sim.state_dir + '/talosconfig', 'timeout': TIMEOUT})
        async with TalosClient(settings) as client:
            with pytest.raises(TalosError) as caught:
                await client.meta_write(META_KEY, b'written once', node=worker)
            failure = caught.value
            keys = [r async for r in client.list_resources('runtime', 'MetaKeys.runtime.talos.dev', node=worker)]
        return failure, keys
    failure, keys = asyncio.run(write_then_read())
    assert failure.code == 'DEADLINE_EXCEEDED', str(failure)
    assert failure.endpoint == sim.address('talos-cp-1') and failure.node == worker
    assert 'MetaWrite: no answer within %ss' % TIMEOUT in str(failure)
    assert '0x%02x' % META_KEY not in [k['metadata']['id'] for k in keys], 'the write reached the node elsewhere'
