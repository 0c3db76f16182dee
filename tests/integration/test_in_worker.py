# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's code runs inside Ansible's worker when its task runs on the controller, and as a module process
otherwise (``talos_in_process: false``, ``async``, a connection that is not local such as a bastion); users see
the same results and errors either way (plugins/plugin_utils/_action.py, _worker_module.py)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.talos.linux.tests.faults.conftest import play, run_rows

SECRET_KEY = 'not-a-key-but-a-no-log-value-4242'
CONNECTION_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')


def _connection(fleet) -> dict:
    return {'talosconfig': os.path.join(fleet.state_dir, 'talosconfig')}


def _rows(fleet) -> list[dict]:
    """Reads, argument errors of every kind AnsibleModule reports, a no_log value and a check-mode prediction."""
    talos = _connection(fleet)
    cp, worker = fleet.machines[0]['address'], fleet.machines[-1]['address']
    return [
        {'talos.linux.node_info': talos},
        {'talos.linux.node_info': dict(talos, bogus=1)},
        {'talos.linux.node_info': dict(talos, timeout='soon')},
        {'talos.linux.etcd_member': dict(talos, state='absent')},
        {'talos.linux.upgrade': dict(talos, node=cp)},
        {'talos.linux.apply_config': dict(talos, nodes=[cp], config={}, src='/nonexistent')},
        {'talos.linux.node_info': dict(talos, client_cert='not a certificate', client_key=SECRET_KEY)},
        {'talos.linux.reboot': dict(talos, node=worker), 'check_mode': True},
        {'talos.linux.service': dict(talos, node=cp, name='kubelet', state='restarted'), 'check_mode': True},
    ]


# ansible-core 2.21 puts ``invocation`` in results only when INJECT_INVOCATION is on; older cores always do.
@pytest.mark.parametrize('inject_invocation', [False, True])
def test_results_and_errors_are_the_same_in_the_worker_and_in_a_module_process(fleet, tmp_path, inject_invocation):
    in_worker = run_rows(tmp_path, _rows(fleet), extra_vars={'talos_in_process': True,
                                                             'ansible_inject_invocation': inject_invocation})
    process = run_rows(tmp_path, _rows(fleet), extra_vars={'talos_in_process': False,
                                                           'ansible_inject_invocation': inject_invocation})
    assert in_worker == process
    assert [row['nodes'][0]['reachable'] for row in in_worker[:1]] == [True]
    messages = [row.get('msg', '') for row in in_worker]
    assert messages[1].startswith('Unsupported parameters for (talos.linux.node_info) module: bogus.')
    assert messages[2].startswith("option timeout: 'soon' is not a duration")
    assert messages[3] == 'state is absent but all of the following are missing: member'
    assert messages[4] == 'one of the following is required: image, version'
    assert messages[5] == 'parameters are mutually exclusive: config|src'
    assert in_worker[6]['failed'] and SECRET_KEY not in repr(in_worker[6])
    assert in_worker[7]['changed'] is True and not in_worker[7].get('failed')
    assert in_worker[8]['changed'] is True and not in_worker[8].get('failed')


@pytest.mark.parametrize('in_process,module_processes', [(True, False), (False, True)])
def test_the_worker_starts_no_module_process_and_leaks_no_no_log_value(fleet, tmp_path, in_process,
                                                                       module_processes):
    talos = _connection(fleet)
    # The censored invocation below is there on ansible-core 2.21 only with INJECT_INVOCATION on.
    run = play(tmp_path, [{'talos.linux.node_info': talos, 'register': 'info'},
                          {'talos.linux.node_info': dict(talos, client_cert='x', client_key=SECRET_KEY),
                           'ignore_errors': True}],
               verbosity=3, extra_vars={'talos_in_process': in_process, 'ansible_inject_invocation': True})
    assert not run.failed, run.output
    assert ('AnsiballZ_node_info.py' in run.output) is module_processes
    assert SECRET_KEY not in run.output
    assert '"client_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.output  # -vvv shows the invocation


def test_the_tasks_environment_reaches_the_module_in_the_worker(fleet, tmp_path):
    """``environment:`` is what a module process would see: TALOSCONFIG from it is the default talosconfig."""
    run = play(tmp_path, [{'talos.linux.node_info': {}, 'register': 'info',
                           'environment': {'TALOSCONFIG': os.path.join(fleet.state_dir, 'talosconfig')}},
                          {'ansible.builtin.assert': {'that': ['info.nodes | length == %d' % len(fleet.machines),
                                                               'info.unreachable_nodes == []']}}],
               verbosity=3)
    assert not run.failed, run.output
    assert 'AnsiballZ_node_info.py' not in run.output


def test_async_runs_the_module_as_a_process(fleet, tmp_path):
    run = play(tmp_path, [{'talos.linux.node_info': _connection(fleet), 'register': 'info', 'async': 60, 'poll': 1},
                          {'ansible.builtin.assert': {'that': ['info.nodes[0].reachable', 'info.finished']}}],
               verbosity=3)
    assert not run.failed, run.output
    assert 'AnsiballZ_node_info.py' in run.output


def test_a_task_delegated_to_a_bastion_runs_the_module_there(fleet, tmp_path):
    """A connection that is not local (here a test connection plugin that executes on this machine, standing in
    for SSH to a bastion) runs the module through it, as a module process."""
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('localhost ansible_connection=local\nbastion ansible_connection=bastion\n')
    run = play(tmp_path, [{'talos.linux.node_info': _connection(fleet), 'delegate_to': 'bastion', 'register': 'info'},
                          {'ansible.builtin.assert': {'that': ['info.nodes[0].reachable']}}],
               verbosity=3, inventory=str(inventory),
               env={'ANSIBLE_CONNECTION_PLUGINS': CONNECTION_PLUGINS})
    assert not run.failed, run.output
    assert 'AnsiballZ_node_info.py' in run.output and 'bastion connection' in run.output
