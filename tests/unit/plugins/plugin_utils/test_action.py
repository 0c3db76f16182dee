# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action base fills the connection from the inventory host, and leaves maintenance calls alone; loading an
action plugin imports the module it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.talos.linux.plugins.plugin_utils._action import connection_args, module_of

HOST = {'talos_talosconfig': '/tc', 'talos_context': 'prod', 'talos_endpoints': ['10.0.0.1'],
        'talos_node': '10.0.0.2', 'unrelated': 'x'}


def _template(value):
    return value.replace('{{ x }}', 'templated') if isinstance(value, str) else value


def test_secure_task_takes_the_connection_from_the_host():
    args = connection_args({'config': 'c'}, HOST, _template)
    assert args == {'config': 'c', 'talosconfig': '/tc', 'context': 'prod', 'endpoints': ['10.0.0.1'],
                    'nodes': ['10.0.0.2']}


def test_task_options_win_and_host_values_are_templated():
    args = connection_args({'context': 'staging', 'node': None}, dict(HOST, talos_talosconfig='/{{ x }}'),
                           _template, node_option='node')
    assert args['context'] == 'staging' and args['talosconfig'] == '/templated' and args['node'] == '10.0.0.2'


@pytest.mark.parametrize('task, host', [
    ({'insecure': True}, {}),
    ({'insecure': 'yes'}, {}),
    ({}, {'talos_insecure': True}),
])
def test_maintenance_task_takes_no_secure_cluster_variables(task, host):
    args = connection_args(task, dict(HOST, **host), _template)
    assert not {'talosconfig', 'context', 'endpoints'} & set(args)
    assert args['nodes'] == ['10.0.0.2']


def test_explicit_secure_task_on_a_maintenance_host_keeps_its_own_options():
    args = connection_args({'insecure': False}, dict(HOST, talos_insecure=True), _template)
    assert args['insecure'] is False and args['talosconfig'] == '/tc'


def test_null_host_variables_are_not_passed():
    args = connection_args({}, {'talos_talosconfig': None, 'talos_insecure': None}, _template)
    assert args == {}


def test_module_of_names_the_module_an_action_plugin_runs():
    assert module_of('ansible_collections.talos.linux.plugins.action.upgrade') == \
        'ansible_collections.talos.linux.plugins.modules.upgrade'


@pytest.mark.parametrize('action', ['upgrade', 'health', 'node_info', 'etcd_snapshot'])
def test_loading_an_action_plugin_imports_its_module_before_ansible_forks(action):
    """In a fresh interpreter, as Ansible's controller loads it: the module (and its module_utils) comes with it."""
    collections = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '.build', 'collections')
    code = ('import json, sys\nimport ansible.plugins.action\nbefore = set(sys.modules)\n'
            'import ansible_collections.talos.linux.plugins.action.%s\n'
            'print(json.dumps(sorted(set(sys.modules) - before)))\n' % action)
    out = subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=os.path.abspath(collections)),
                         capture_output=True, text=True, check=True).stdout
    assert 'ansible_collections.talos.linux.plugins.modules.%s' % action in json.loads(out)
