# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_info imports only what its operation uses (issue 20): no machine-config schema, no Kubernetes client, no
config generator; a module process no certificate parsing library either, while the action plugin loads it in the
controller, once, for the workers it forks (each of them parses the connection's certificates).

Each case imports in a fresh interpreter, after what Ansible itself has loaded at that point, and lists the
modules the import added."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

COLLECTIONS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '.build', 'collections')
PREFIX = 'ansible_collections.talos.linux.plugins.'

IMPORTS = """
import json, sys
import %s
before = set(sys.modules)
%s
print(json.dumps(sorted(set(sys.modules) - before)))
"""

# What each case imports first (Ansible's own, already loaded when the collection's code is), then the code under test.
CONTROLLER = 'controller: the action plugin, then the module run in the worker'
MODULE_PROCESS = 'module process'
CASES = {
    CONTROLLER: ('ansible.plugins.action', 'import %saction.node_info\nimport %smodules.node_info' % (PREFIX, PREFIX)),
    MODULE_PROCESS: ('ansible.module_utils.basic', 'import %smodules.node_info' % PREFIX),
}

# Loaded by operations node_info does not perform.
UNUSED = (
    PREFIX + 'module_utils.machineconfig.schema',
    PREFIX + 'module_utils.machineconfig.schema_data',
    PREFIX + 'module_utils.configgen',
    PREFIX + 'module_utils.kube',
    'kubernetes',
)
# A module process loads it when it parses a certificate, not on import; the action plugin preloads it (pki.preload).
PARSER = 'cryptography'


def added_modules(first: str, code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(COLLECTIONS))
    out = subprocess.run([sys.executable, '-c', IMPORTS % (first, code)], env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize('case', sorted(CASES))
def test_node_info_import_loads_only_what_it_uses(case: str) -> None:
    added = added_modules(*CASES[case])
    assert PREFIX + 'modules.node_info' in added  # the import did happen here, not earlier
    assert PREFIX + 'module_utils.client.transport' in added
    unused = UNUSED if case == CONTROLLER else UNUSED + (PARSER,)
    loaded = [name for name in added if any(name == one or name.startswith(one + '.') for one in unused)]
    assert loaded == []


def test_action_plugin_preloads_the_certificate_parsers() -> None:
    """Before Ansible forks: a worker would otherwise import them again for every task."""
    added = added_modules(*CASES[CONTROLLER])
    assert {'cryptography.x509', 'cryptography.hazmat.primitives.serialization'} <= set(added)
