# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes client library loads in Ansible's controller with the action plugins of modules that may drain,
so the workers Ansible forks inherit it; without the library, loading those plugins still works.

Each case imports in a fresh interpreter and lists the modules the import added."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

COLLECTIONS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', '.build', 'collections')
PREFIX = 'ansible_collections.talos.linux.plugins.'
# The API classes KubeClient builds: kubernetes.client loads them on first use.
API_MODULES = ('kubernetes.client.api_client', 'kubernetes.client.api.core_v1_api', 'kubernetes.client.api.apps_v1_api')

IMPORTS = """
import json, sys
import ansible.plugins.action
%s
before = set(sys.modules)
import %saction.%s
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def added_modules(action: str, hide_library: bool = False) -> list[str]:
    hide = "sys.modules['kubernetes'] = None" if hide_library else ''
    env = dict(os.environ, PYTHONPATH=os.path.abspath(COLLECTIONS))
    out = subprocess.run([sys.executable, '-c', IMPORTS % (hide, PREFIX, action)], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize('action', ['upgrade', 'reboot', 'drain'])
def test_the_action_plugin_loads_the_kubernetes_api_classes(action: str) -> None:
    added = added_modules(action)
    assert [name for name in API_MODULES if name not in added] == []


def test_without_the_library_the_action_plugin_loads_all_the_same() -> None:
    added = added_modules('upgrade', hide_library=True)
    assert PREFIX + 'action.upgrade' in added and not any(name.startswith('kubernetes.') for name in added)
