# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.events Event-Driven Ansible source against talos-sim: its entry point driven as ansible-rulebook
drives it (a reboot, a stopped service, an etcd alarm raised and cleared), and the real ansible-rulebook running
the etcd_nospace rulebook until the alarm is disarmed.
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import subprocess
import time
import urllib.request
from typing import Any, Callable

import pytest

from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils import watchers
from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.alarm_tracker import AlarmTracker
from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.source_args import source_options
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.tests.integration.conftest import COLLECTIONS, REPO, sim, start_fleet

# The source as ansible-rulebook finds it: by path inside the installed collection, run with runpy.
SOURCE = os.path.join(COLLECTIONS, 'ansible_collections', 'talos', 'linux', 'extensions', 'eda', 'plugins',
                      'event_source', 'events.py')
EDA_VENV_BIN = os.path.join(REPO, '.venv-eda', 'bin')
WAIT = 60.0


@pytest.fixture(scope='module')
def eda_fleet(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('eda-fleet'))
    running = start_fleet(state, '--controlplanes', '1', '--workers', '1', '--bootstrap')
    yield running
    sim('down', '--state-dir', state)


def _client(fleet) -> TalosClient:
    return TalosClient(settings_from_options({'talosconfig': fleet.talosconfig}))


def _etcd_api(address: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A call to the real etcd member behind a control plane, through etcd's own JSON gateway."""
    request = urllib.request.Request('http://%s:2379%s' % (address, path), data=json.dumps(body).encode(),
                                     method='POST')
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


def _raise_nospace(address: str) -> None:
    """NOSPACE on the member, in etcd's alarm store: what etcd itself records when its quota is exceeded."""
    member_id = _etcd_api(address, '/v3/maintenance/status', {})['header']['member_id']
    _etcd_api(address, '/v3/maintenance/alarm', {'action': 'ACTIVATE', 'memberID': member_id, 'alarm': 'NOSPACE'})


class Recorder:
    """The queue ansible-rulebook hands a source, keeping every event for the assertions."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.events: list[dict[str, Any]] = []

    async def expect(self, what: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next event that matches (earlier ones are kept), failing with what was seen after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                event = await asyncio.wait_for(self.queue.get(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise AssertionError('no %s event within %ss; seen: %s' % (what, WAIT, self.events)) from None
            self.events.append(event['talos'])
            if match(event['talos']):
                return event['talos']

    def of(self, node: str, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event['node'] == node and event['type'] == kind]


def _is(node: str, kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    def match(event: dict[str, Any]) -> bool:
        return (event['node'] == node and event['type'] == kind
                and all(event.get(name) == value for name, value in fields.items()))
    return match


def test_source_events_through_reboot_service_stop_and_alarm(eda_fleet, monkeypatch):
    cp, worker = eda_fleet.addresses('controlplane')[0], eda_fleet.addresses('worker')[0]
    # Streams renewed every 2 s: each renewal must resume after the last event, neither repeating nor announcing it.
    monkeypatch.setattr(watchers, 'STREAM_LIFETIME', 2.0)
    source = runpy.run_path(SOURCE)
    recorder = Recorder()

    async def scenario() -> None:
        args = {'talosconfig': eda_fleet.talosconfig, 'nodes': [cp, worker], 'alarm_interval': 0.5, 'backoff_max': 4}
        task = asyncio.ensure_future(source['main'](recorder.queue, args))
        try:
            async with _client(eda_fleet) as client:
                await recorder.expect('worker connected', _is(worker, 'connection', connected=True))
                # Held down after the reboot, then started while the source backs off (attempts 1, 2 then 4 s apart):
                # the new boot's first events are buffered before the source is back, and must still come.
                eda_fleet.ctl('hold', worker)
                await client.reboot(worker)
                await recorder.expect('worker rebooting', _is(worker, 'machine_status', stage='rebooting'))
                lost = await recorder.expect('worker lost', _is(worker, 'connection', connected=False))
                await asyncio.sleep(3.5)
                eda_fleet.ctl('start', worker)
                await recorder.expect('worker back', _is(worker, 'connection', connected=True))
                await recorder.expect('worker booting', _is(worker, 'machine_status', stage='booting'))
                await recorder.expect('worker running and ready',
                                      _is(worker, 'machine_status', stage='running', ready=True))

                eda_fleet.ctl('stop-service', worker, 'kubelet')
                stopped = await recorder.expect('kubelet stopped', _is(worker, 'service', service='kubelet',
                                                                       state='finished'))
                eda_fleet.ctl('start-service', worker, 'kubelet')
                await recorder.expect('kubelet running', _is(worker, 'service', service='kubelet', state='running'))

                _raise_nospace(cp)
                raised = await recorder.expect('alarm raised', _is(cp, 'etcd_alarm', alarm='NOSPACE', active=True))
                await asyncio.sleep(2.0)  # four more polls: still one event for the one alarm
                await client.etcd_alarm_disarm(cp)
                cleared = await recorder.expect('alarm cleared', _is(cp, 'etcd_alarm', active=False))
                members = await client.etcd_members(cp)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        assert 'EOF' in lost['error'] or 'UNAVAILABLE' in lost['error'], lost
        assert stopped['message']
        assert raised['member_id'] == cleared['member_id'] == '%016x' % members[0]['id']
        assert len(recorder.of(cp, 'etcd_alarm')) == 2, recorder.of(cp, 'etcd_alarm')
        assert recorder.of(cp, 'connection') == [{'node': cp, 'type': 'connection', 'connected': True, 'error': None}]
        # resumed after each reconnection without repeating an event
        ids = [event['id'] for event in recorder.of(worker, 'machine_status') + recorder.of(worker, 'service')]
        assert len(ids) == len(set(ids)), ids

    asyncio.run(scenario())


def test_source_refuses_bad_arguments(eda_fleet):
    source = runpy.run_path(SOURCE)
    cases = [({'talosconfig': eda_fleet.talosconfig, 'node': 'x'}, 'unknown argument(s) node'),
             ({'talosconfig': eda_fleet.talosconfig, 'alarm_interval': -1}, 'argument alarm_interval must be'),
             ({'talosconfig': eda_fleet.talosconfig, 'backoff_max': 0}, 'argument backoff_max must be'),
             ({'talosconfig': eda_fleet.talosconfig, 'nodes': [1]}, 'argument nodes must be a list of strings'),
             ({'talosconfig': eda_fleet.talosconfig, 'context': 'nope'}, 'nope')]
    for args, message in cases:
        with pytest.raises(TalosError, match=message.replace('(', r'\(').replace(')', r'\)')):
            asyncio.run(source['main'](asyncio.Queue(), args))


def test_source_arguments_default_to_the_context():
    options = source_options({'endpoints': ['127.0.0.9'], 'nodes': '127.0.0.10', 'insecure': True,
                              'eda_feedback_queue': object()})
    assert options.settings.nodes == ['127.0.0.10'] and options.alarm_interval == 10.0 and options.backoff_max == 30.0


def test_alarms_are_one_event_each_across_nodes_and_polls():
    tracker = AlarmTracker()
    nospace = {'member_id': 7, 'alarm': 'NOSPACE'}
    assert [tuple(change) for change in tracker.update({'cp1': [nospace], 'cp2': [nospace]})] == \
        [('cp1', 7, 'NOSPACE', True)]
    assert not tracker.update({'cp1': [nospace], 'cp2': [nospace]})
    # cp1 does not answer and cp2 no longer reports it: cleared, reported by the node that saw it go
    assert [tuple(change) for change in tracker.update({'cp2': [{'member_id': 0, 'alarm': 'NONE'}]})] == \
        [('cp2', 7, 'NOSPACE', False)]


def test_an_alarm_is_not_cleared_by_silence_or_by_another_cluster():
    tracker = AlarmTracker()
    tracker.update({'a1': [{'member_id': 7, 'alarm': 'CORRUPT'}]})
    assert not tracker.update({})  # nobody answered
    assert not tracker.update({'b1': []})  # a node of another cluster never reported it
    assert [tuple(change) for change in tracker.update({'a1': []})] == [('a1', 7, 'CORRUPT', False)]


def test_rulebook_defragments_and_disarms_nospace(eda_fleet, tmp_path):
    subprocess.run([os.path.join(REPO, 'scripts', 'eda-venv.sh')], check=True, timeout=900)
    cp = eda_fleet.addresses('controlplane')[0]
    # Raised before the rulebook starts: an alarm already active is reported by the first poll.
    _raise_nospace(cp)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: %s\n' % os.path.join(EDA_VENV_BIN, 'python'))
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    env.update({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_NOCOLOR': '1', 'TALOSCONFIG': eda_fleet.talosconfig,
                'PATH': EDA_VENV_BIN + os.pathsep + os.environ.get('PATH', '')})
    log = tmp_path / 'rulebook.log'
    with open(log, 'w', encoding='utf-8') as out:
        rulebook = subprocess.Popen(  # pylint: disable=consider-using-with  # stopped in the finally below
            [os.path.join(EDA_VENV_BIN, 'ansible-rulebook'), '-r', 'talos.linux.etcd_nospace', '-i', str(inventory),
             '--print-events'], cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        alarms = asyncio.run(_alarms_after(eda_fleet, cp, 120.0))
    finally:
        rulebook.terminate()
        try:
            rulebook.wait(30)
        except subprocess.TimeoutExpired:
            rulebook.kill()
            rulebook.wait(30)
    output = log.read_text(encoding='utf-8')
    assert alarms == [], output
    assert "'alarm': 'NOSPACE'" in output and 'defragmented %s; disarmed NOSPACE' % cp in output, output


async def _alarms_after(fleet, node: str, limit: float) -> list[dict[str, Any]]:
    """The node's alarms once none is left, or as they are after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    async with _client(fleet) as client:
        while True:
            alarms = await client.etcd_alarms(node)
            if not alarms or time.monotonic() > deadline:
                return alarms
            await asyncio.sleep(1.0)
