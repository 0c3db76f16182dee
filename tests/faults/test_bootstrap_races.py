# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: bootstrap races. One Talos cluster gets one etcd cluster, however bootstrap is called.

Each row starts its own small fleet that nobody has bootstrapped yet, calls ``talos.linux.bootstrap`` the way
an operator could get it wrong (several hosts of one play at once, two playbook runs at once, while a control
plane is down or cut off), and reads each control plane's etcd cluster ID straight from its etcd member.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.faults.conftest import play, task_message
from ansible_collections.talos.linux.tests.integration.simulator.conftest import rpc, run_sim, start_sim_fleet

pytestmark = pytest.mark.faults

PLANES = ['talos-cp-1', 'talos-cp-2', 'talos-cp-3']
ETCD_CLIENT_PORT = 2379
JOIN_TIMEOUT = 30.0


class Stopping:
    """Fleets being stopped in the background (etcd members take seconds to stop)."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.failed: list[str] = []

    def down(self, state_dir: str) -> None:
        thread = threading.Thread(target=self._down, args=(state_dir,))
        thread.start()
        self.threads.append(thread)

    def _down(self, state_dir: str) -> None:
        try:
            run_sim('down', '--state-dir', state_dir)
        except (OSError, AssertionError, subprocess.SubprocessError):
            self.failed.append(state_dir)

    def finish(self) -> None:
        """Every fleet stopped: a background ``down`` that failed (e.g. its fork raced another thread's) is run
        again here, where a real failure to stop a fleet is reported."""
        for thread in self.threads:
            thread.join()
        for state_dir in self.failed:
            run_sim('down', '--state-dir', state_dir)


@pytest.fixture(scope='module')
def stopping():
    """All fleets of the module stopped by its end."""
    fleets = Stopping()
    yield fleets
    fleets.finish()


def fresh_fleet(tmp_path_factory, stopping, controlplanes: int):
    """A fleet of ``controlplanes`` configured control planes nobody has bootstrapped, stopped in the background."""
    fleet = start_sim_fleet(str(tmp_path_factory.mktemp('sim')), '--controlplanes', str(controlplanes),
                            '--workers', '0')
    try:
        yield fleet
    finally:
        stopping.down(fleet.state_dir)


@pytest.fixture
def fleet3(tmp_path_factory, stopping):
    yield from fresh_fleet(tmp_path_factory, stopping, 3)


@pytest.fixture
def fleet2(tmp_path_factory, stopping):
    yield from fresh_fleet(tmp_path_factory, stopping, 2)


def etcd_cluster_id(address: str) -> str | None:
    """The cluster ID the etcd member on ``address`` belongs to (etcd's gRPC gateway); None while it runs none."""
    request = urllib.request.Request('http://%s:%d/v3/maintenance/status' % (address, ETCD_CLIENT_PORT),
                                     data=b'{}', method='POST')
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.load(response)['header']['cluster_id']
    except (OSError, urllib.error.URLError, ValueError, KeyError):
        return None


def cluster_ids(fleet, names: list[str]) -> dict[str, str]:
    """Each control plane's etcd cluster ID, once all of them run etcd (joining takes a few seconds)."""
    deadline = time.monotonic() + JOIN_TIMEOUT
    while True:
        ids = {name: etcd_cluster_id(fleet.address(name)) for name in names}
        if all(ids.values()) or time.monotonic() > deadline:
            return ids
        time.sleep(0.5)


def defaults(fleet) -> dict:
    return {'group/talos.linux.talos': {'talosconfig': os.path.join(fleet.state_dir, 'talosconfig')}}


def bootstrap_task(node: str, controlplanes: list[str], **options) -> dict:
    return {'name': 'bootstrap', 'talos.linux.bootstrap': dict(node=node, controlplanes=controlplanes, **options),
            'register': 'boot'}


def keep(folder) -> dict:
    """A task saving each host's bootstrap result into ``folder`` (read back with ``results``)."""
    return {'ansible.builtin.copy': {'content': '{{ boot | to_json }}',
                                     'dest': '%s/{{ inventory_hostname }}.result.json' % folder}}


def results(folder) -> list[dict]:
    found = []
    for name in sorted(os.listdir(str(folder))):
        if name.endswith('.result.json'):
            with open(os.path.join(str(folder), name), encoding='utf-8') as f:
                found.append(json.load(f))
    return found


def test_control_planes_bootstrapped_at_once_by_one_play_make_one_etcd_cluster(fleet3, tmp_path):
    """Bootstrap called at once by every host of a play (one per control plane, forks) bootstraps one node."""
    addresses = [fleet3.address(name) for name in PLANES]
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {name: {'address': fleet3.address(name)}
                                                           for name in PLANES}}}))
    run = play(tmp_path, [bootstrap_task('{{ address }}', addresses, wait=False), keep(tmp_path)], hosts='all',
               inventory=str(inventory), play_options={'connection': 'local', 'module_defaults': defaults(fleet3)})
    assert not run.failed, run.output
    ids = cluster_ids(fleet3, PLANES)
    assert len(set(ids.values())) == 1 and None not in ids.values(), 'etcd clusters per node: %s' % ids
    found = results(tmp_path)
    assert len(found) == 3 and sum(1 for result in found if result['changed']) == 1, found
    for result in found:
        if not result['changed']:
            assert 'bootstrapped' in result['msg'], result


def test_two_playbook_runs_bootstrapping_different_nodes_at_once_make_one_etcd_cluster(fleet2, tmp_path):
    """Two playbook runs bootstrapping two control planes at the same moment bootstrap only one of them."""
    addresses = [fleet2.address(name) for name in PLANES[:2]]
    runs = {}

    def one(index: int) -> None:
        folder = tmp_path / ('run%d' % index)
        folder.mkdir()
        runs[index] = play(folder, [bootstrap_task(addresses[index], addresses, wait=False), keep(folder)],
                           play_options={'module_defaults': defaults(fleet2)})

    threads = [threading.Thread(target=one, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run in runs.values():
        assert not run.failed, run.output
    ids = cluster_ids(fleet2, PLANES[:2])
    assert len(set(ids.values())) == 1 and None not in ids.values(), 'etcd clusters per node: %s' % ids
    changed = [result['changed'] for index in runs for result in results(tmp_path / ('run%d' % index))]
    assert sorted(changed) == [False, True], changed


def test_bootstrap_while_a_bootstrapped_control_plane_is_down_is_refused_naming_it(fleet2, tmp_path):
    """Bootstrap while another control plane cannot be checked (it was just bootstrapped, then went down) is
    refused and names that node; nothing is bootstrapped, and the cluster stays one when it comes back."""
    first, second = fleet2.address('talos-cp-1'), fleet2.address('talos-cp-2')
    fleet2.ctl('stop', 'talos-cp-2')
    rpc(first, fleet2.tls(), MachineService.Bootstrap)  # the first control plane is bootstrapped...
    assert cluster_ids(fleet2, ['talos-cp-1'])['talos-cp-1']
    fleet2.ctl('stop', 'talos-cp-1')  # ...and goes away before the second could join it
    fleet2.ctl('start', 'talos-cp-2')
    run = play(tmp_path, [bootstrap_task(second, [first, second])],
               play_options={'module_defaults': defaults(fleet2)})
    assert run.failed and 'UNREACHABLE' not in run.output, run.output
    message = task_message(run.output)
    assert first in message and 'force' in message, message
    assert etcd_cluster_id(second) is None  # nothing was bootstrapped on the second control plane
    fleet2.ctl('start', 'talos-cp-1')
    ids = cluster_ids(fleet2, ['talos-cp-1', 'talos-cp-2'])
    assert len(set(ids.values())) == 1 and None not in ids.values(), 'etcd clusters per node: %s' % ids


def test_bootstrap_with_a_control_plane_cut_off_by_a_partition_is_refused(fleet2, tmp_path):
    """Bootstrap through a control plane that cannot reach another one (a network partition) is refused,
    names the node it could not check, and the cluster is one once the partition heals."""
    first, second = fleet2.address('talos-cp-1'), fleet2.address('talos-cp-2')
    fleet2.ctl('partition', 'talos-cp-1', 'talos-cp-2')
    rpc(first, fleet2.tls(), MachineService.Bootstrap)
    assert cluster_ids(fleet2, ['talos-cp-1'])['talos-cp-1']
    # Through the second control plane only (its endpoint), as a playbook run next to it would be.
    run = play(tmp_path, [bootstrap_task(second, [second], endpoints=[second])],
               play_options={'module_defaults': defaults(fleet2)})
    assert run.failed and 'UNREACHABLE' not in run.output, run.output
    message = task_message(run.output)
    assert first in message and 'force' in message, message
    assert etcd_cluster_id(second) is None
    fleet2.ctl('heal', 'talos-cp-1', 'talos-cp-2')
    ids = cluster_ids(fleet2, ['talos-cp-1', 'talos-cp-2'])
    assert len(set(ids.values())) == 1 and None not in ids.values(), 'etcd clusters per node: %s' % ids


def test_bootstrap_result_with_a_control_plane_down_does_not_mark_the_host_unreachable(fleet2, tmp_path):
    """bootstrap on a bootstrapped cluster with a control plane down is ok (not changed), lists that node in
    unreachable_nodes, and Ansible does not mark the host UNREACHABLE."""
    first, second = fleet2.address('talos-cp-1'), fleet2.address('talos-cp-2')
    rpc(first, fleet2.tls(), MachineService.Bootstrap)
    assert None not in cluster_ids(fleet2, ['talos-cp-1', 'talos-cp-2']).values()
    fleet2.ctl('stop', 'talos-cp-2')
    run = play(tmp_path, [bootstrap_task(first, [first, second]), keep(tmp_path)],
               play_options={'module_defaults': defaults(fleet2)})
    assert not run.failed and 'UNREACHABLE' not in run.output, run.output
    (result,) = results(tmp_path)
    assert result['changed'] is False and first in result['etcd_running_on']
    assert list(result['unreachable_nodes']) == [second] and 'unreachable' not in result
