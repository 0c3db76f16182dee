# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: no surprise targets (issue 18, defects 1, 11 and 12).

An empty target is an error naming the option; a destructive module acts only on a node the user named;
node_info does not report success when no node answered. Each row reads the fleet back afterwards.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import transport
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.node.meta import read_value
from ansible_collections.talos.linux.tests.faults.conftest import play, run_rows
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture

pytestmark = pytest.mark.faults

META_KEY = 0x0b
INSTALLER = 'ghcr.io/siderolabs/installer:v1.14.0'
# (module, its destructive arguments): each takes a node down or wipes it.
DESTRUCTIVE = {
    'reboot': {'wait': False},
    'reset': {'graceful': False, 'reboot': True, 'wait': False},
    'shutdown': {'wait': False},
    'upgrade': {'image': INSTALLER, 'wait': False},
    'rollback': {'wait': False},
}


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1')


def talosconfig(fleet) -> str:
    return os.path.join(fleet.state_dir, 'talosconfig')


def machines(fleet) -> dict[str, tuple[str, str]]:
    """(state, boot ID) of each machine, by name: a reboot, reset or shutdown changes one of them."""
    return {m['name']: (m['state'], m['boot_id']) for m in fleet.ctl('status')['machines']}


def meta_values(fleet) -> dict[str, str | None]:
    """The test's META key on each machine (None: absent)."""
    addresses = [m['address'] for m in fleet.cluster['machines']]
    settings = settings_from_options({'talosconfig': talosconfig(fleet), 'nodes': addresses})

    async def read():
        async with TalosClient(settings) as client:
            found = {}
            for address in addresses:
                found[address] = await read_value(client, META_KEY, address)
            return found
    return transport.run(read())


def context_without_nodes(fleet, tmp_path) -> str:
    """A copy of the fleet's talosconfig whose context names endpoints but no node."""
    with open(talosconfig(fleet), encoding='utf-8') as f:
        config = yaml.safe_load(f)
    config['contexts']['sim'].pop('nodes', None)
    path = str(tmp_path / 'talosconfig')
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump(config, f)
    return path


def message(result: dict) -> str:
    return result.get('msg', '')


EMPTY_TARGETS = [
    ('reboot', {'node': ''}, 'node'),
    ('reset', {'node': '', 'graceful': False, 'reboot': True, 'wait': False}, 'node'),
    ('shutdown', {'node': '  ', 'wait': False}, 'node'),
    ('upgrade', {'node': '', 'image': INSTALLER, 'wait': False}, 'node'),
    ('rollback', {'node': '', 'wait': False}, 'node'),
    ('service', {'node': '', 'name': 'kubelet', 'state': 'restarted'}, 'node'),
    ('meta_key', {'nodes': [], 'key': str(META_KEY), 'value': 'surprise'}, 'nodes'),
    ('meta_key', {'nodes': [''], 'key': str(META_KEY), 'value': 'surprise'}, 'nodes'),
    ('node_info', {'nodes': []}, 'nodes'),
]


@pytest.fixture(scope='module')
def empty_target_rows(fleet, tmp_path_factory):
    """(results, machines before, machines after, META values after) of every EMPTY_TARGETS task."""
    before = machines(fleet)
    rows = [{'talos.linux.%s' % module: dict(args, talosconfig=talosconfig(fleet))}
            for module, args, _option in EMPTY_TARGETS]
    results = run_rows(tmp_path_factory.mktemp('empty'), rows)
    return results, before, machines(fleet), meta_values(fleet)


@pytest.mark.parametrize('index', range(len(EMPTY_TARGETS)),
                         ids=['%s-%s' % (module, json.dumps(args[option])) for module, args, option in EMPTY_TARGETS])
def test_an_empty_target_is_an_error_naming_the_option_and_changes_nothing(empty_target_rows, index):
    """An explicitly empty target (node '', nodes [] or a list with an empty entry) is an error naming the
    option, and no node changes."""
    results, before, after, meta = empty_target_rows
    option = EMPTY_TARGETS[index][2]
    assert results[index].get('failed'), results[index]
    assert message(results[index]).startswith('option %s ' % option), results[index]
    assert after == before
    assert set(meta.values()) == {None}


# What each destructive module calls its operation in messages.
VERBS = {'reboot': 'reboot', 'reset': 'reset', 'shutdown': 'power off', 'upgrade': 'upgrade', 'rollback': 'roll back'}
NO_TARGET = [(module, check) for module in sorted(DESTRUCTIVE) for check in (True, False)]


@pytest.fixture(scope='module')
def no_target_rows(fleet, tmp_path_factory):
    """(results, machines before, machines after): NO_TARGET's tasks, then a reboot with the fleet's
    two-node context, then a check-mode shutdown with a one-node context."""
    tmp = tmp_path_factory.mktemp('no-target')
    nodeless = context_without_nodes(fleet, tmp)
    one_node = str(tmp / 'one-node')
    with open(nodeless, encoding='utf-8') as f:
        config = yaml.safe_load(f)
    config['contexts']['sim']['nodes'] = [fleet.address('talos-worker-1')]
    with open(one_node, 'w', encoding='utf-8') as f:
        yaml.safe_dump(config, f)
    rows = [{'talos.linux.%s' % module: dict(DESTRUCTIVE[module], talosconfig=nodeless), 'check_mode': check}
            for module, check in NO_TARGET]
    rows.append({'talos.linux.reboot': {'talosconfig': talosconfig(fleet), 'wait': False}})
    rows.append({'talos.linux.shutdown': {'talosconfig': one_node}, 'check_mode': True})
    before = machines(fleet)
    results = run_rows(tmp, rows)
    return results, before, machines(fleet)


@pytest.mark.parametrize('index', range(len(NO_TARGET)),
                         ids=['%s-%s' % (module, 'check' if check else 'real') for module, check in NO_TARGET])
def test_a_destructive_module_without_a_target_is_an_error_and_acts_on_nothing(no_target_rows, index):
    """A destructive module (reboot, reset, shutdown, upgrade, rollback) with no node, no host talos_node and
    no node in the context fails with "needs a target", in check mode too, and no node changes."""
    results, before, after = no_target_rows
    verb = VERBS[NO_TARGET[index][0]]
    assert results[index].get('failed'), results[index]
    assert message(results[index]).startswith(
        "%s needs a target: set node, the host's talos_node, or nodes in the talosconfig context" % verb)
    assert after == before


def test_a_destructive_module_does_not_pick_one_of_the_context_nodes(fleet, no_target_rows):
    """A destructive module with no node, whose context names several nodes, is an error listing them; it
    does not act on the first one."""
    results, before, after = no_target_rows
    result = results[len(NO_TARGET)]
    assert result.get('failed'), result
    assert 'names 2 (' in message(result) and fleet.address('talos-worker-1') in message(result), result
    assert after == before


def test_a_destructive_module_targets_the_single_node_of_the_context(fleet, no_target_rows):
    """A destructive module with no node acts on the context's node when the context names exactly one."""
    result = no_target_rows[0][len(NO_TARGET) + 1]
    assert not result.get('failed'), result
    assert result['node'] == fleet.address('talos-worker-1') and result['changed']


def test_a_destructive_module_targets_the_hosts_talos_node(fleet, tmp_path):
    """A destructive module run for an inventory host acts on that host's talos_node (check mode: reports it)."""
    worker = fleet.address('talos-worker-1')
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'worker': {
        'talos_node': worker, 'ansible_connection': 'local'}}}}))
    tasks = [{'talos.linux.reboot': {'talosconfig': talosconfig(fleet)}, 'register': 'rebooted'},
             {'ansible.builtin.assert': {'that': ['rebooted.node == %r' % worker, 'rebooted is changed']}}]
    run = play(tmp_path, tasks, check=True, hosts='worker', inventory=str(inventory))
    assert not run.failed, run.output


@pytest.fixture(scope='module')
def node_info_rows(fleet, tmp_path_factory):
    """node_info through an endpoint that does not answer, then with one node that does not answer."""
    dead = fleet.subnet.rsplit('.', 1)[0] + '.250'
    rows = [{'talos.linux.node_info': {'talosconfig': talosconfig(fleet), 'endpoints': [dead]}},
            {'talos.linux.node_info': {'talosconfig': talosconfig(fleet),
                                       'nodes': [fleet.address('talos-cp-1'), dead]}}]
    return dead, run_rows(tmp_path_factory.mktemp('node-info'), rows)


def test_node_info_fails_when_no_node_answered(node_info_rows):
    """node_info through an endpoint that does not answer fails, naming the endpoint, instead of reporting
    every node unreachable as a success."""
    dead, results = node_info_rows
    assert results[0].get('failed'), results[0]
    assert message(results[0]).startswith('no node answered through endpoints %s' % dead), results[0]
    assert [entry['reachable'] for entry in results[0]['nodes']] == [False, False]


def test_node_info_still_reports_one_unreachable_node_among_others(node_info_rows):
    """node_info with one node that does not answer reports it (reachable false) and succeeds, as documented."""
    dead, results = node_info_rows
    assert not results[1].get('failed'), results[1]
    assert results[1]['unreachable_nodes'] == [dead]
