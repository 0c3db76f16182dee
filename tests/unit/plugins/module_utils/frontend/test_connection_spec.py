# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection contract holds together: spec, both doc fragment views, host variables, inventory."""

from __future__ import annotations

import base64
import re

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.talos.linux.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.talos.linux.plugins.inventory import talosconfig as inventory
from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import (
    CONNECTION_SPEC, HOST_VARIABLES, NODE_VARIABLE, SECURE_ONLY, env_variables)
from ansible_collections.talos.linux.plugins.plugin_utils._inventory_hosts import collect_hosts

MODULE_VIEW = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
PLUGIN_VIEW = yaml.safe_load(ModuleDocFragment.PLUGINS)
# validate-modules' rule for options that must be no_log.
SECRET_NAME = re.compile(r'key|pass|secret|token')


def _b64(data):
    return base64.b64encode(data).decode()


def _agrees(name, doc):
    spec = CONNECTION_SPEC[name]
    assert doc['type'] == spec['type'], name
    assert doc.get('elements') == spec.get('elements'), name
    assert doc.get('default') == spec.get('default'), name  # 30 == 30.0: the float default


def test_module_view_documents_exactly_the_spec():
    assert list(MODULE_VIEW['options']) == list(CONNECTION_SPEC)
    for name, doc in MODULE_VIEW['options'].items():
        _agrees(name, doc)
        assert CONNECTION_SPEC[name].get('no_log', False) == bool(SECRET_NAME.search(name)), name
        for variable in env_variables(name):
            assert 'E(%s)' % variable in ' '.join(doc['description']), (name, variable)


def test_plugin_view_is_the_spec_with_its_environment_variables():
    options = PLUGIN_VIEW['options']
    assert set(options) <= set(CONNECTION_SPEC)
    assert {name for name in CONNECTION_SPEC if env_variables(name)} <= set(options)
    for name, doc in options.items():
        _agrees(name, doc)
        assert [entry['name'] for entry in doc.get('env', [])] == env_variables(name), name


def test_talosconfig_falls_back_to_the_environment(monkeypatch):
    monkeypatch.setenv('TALOSCONFIG', '/from/env')
    assert ArgumentSpecValidator(CONNECTION_SPEC).validate({}).validated_parameters['talosconfig'] == '/from/env'
    given = ArgumentSpecValidator(CONNECTION_SPEC).validate({'talosconfig': '/given'})
    assert given.validated_parameters['talosconfig'] == '/given'


def test_host_variables_are_derived_from_the_spec_and_documented():
    assert HOST_VARIABLES == {'talosconfig': 'talos_talosconfig', 'context': 'talos_context',
                              'endpoints': 'talos_endpoints', 'insecure': 'talos_insecure'}
    assert set(SECURE_ONLY) <= set(HOST_VARIABLES) <= set(CONNECTION_SPEC)
    notes = ' '.join(MODULE_VIEW['notes'])
    for option, variable in HOST_VARIABLES.items():
        assert 'O(%s) from C(%s)' % (option, variable) in notes
    assert 'C(%s)' % NODE_VARIABLE in notes


def test_inventory_uses_the_plugin_view_instead_of_its_own():
    doc = yaml.safe_load(inventory.DOCUMENTATION)
    assert 'talos.linux.connection.plugins' in doc['extends_documentation_fragment']
    assert not set(doc['options']) & set(PLUGIN_VIEW['options'])


@pytest.mark.parametrize('insecure_nodes', [[], ['10.5.0.9']])
def test_inventory_sets_the_host_variables_the_action_base_reads(tmp_path, insecure_nodes):
    ca = pki.generate_ca()
    client = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    path = tmp_path / 'talosconfig'
    path.write_text(yaml.safe_dump({'context': 'main', 'contexts': {'main': {
        'endpoints': ['10.5.0.1'], 'nodes': ['10.5.0.2'],
        'ca': _b64(ca.crt), 'crt': _b64(client.crt), 'key': _b64(client.key)}}}))
    hosts, _warnings = collect_hosts(str(path), [], False, insecure_nodes, 1.0)
    connection_vars = {var for host in hosts for var in host['vars']} - {'talos_machine_type', 'talos_version'}
    expected = {NODE_VARIABLE} | {HOST_VARIABLES[o] for o in ('talosconfig', 'context', 'endpoints')}
    if insecure_nodes:
        expected.add(HOST_VARIABLES['insecure'])
    assert connection_vars == expected
    main = next(host for host in hosts if host['vars'][NODE_VARIABLE] == '10.5.0.2')
    assert main['vars'][HOST_VARIABLES['talosconfig']] == str(path)
