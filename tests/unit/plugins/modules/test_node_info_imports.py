# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_info imports only what its operation uses (issue 20): no machine-config schema, no certificate parsing
library, no Kubernetes client, no config generator.

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
CASES = {
    'controller: the action plugin, then the module run in the worker': (
        'ansible.plugins.action',
        'import %saction.node_info\nimport %smodules.node_info' % (PREFIX, PREFIX)),
    'module process': ('ansible.module_utils.basic', 'import %smodules.node_info' % PREFIX),
}

# Loaded by operations node_info does not perform.
UNUSED = (
    PREFIX + 'module_utils.machineconfig.schema',
    PREFIX + 'module_utils.machineconfig.schema_data',
    PREFIX + 'module_utils.configgen',
    PREFIX + 'module_utils.kube',
    'cryptography',  # parsed certificates load it when a certificate is parsed, not on import
    'kubernetes',
)


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
    loaded = [name for name in added if any(name == unused or name.startswith(unused + '.') for unused in UNUSED)]
    assert loaded == []
