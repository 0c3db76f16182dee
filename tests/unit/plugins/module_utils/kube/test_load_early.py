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
# What KubeClient builds: kubernetes.client loads its classes on first use.
USED_MODULES = ('kubernetes.client.api_client', 'kubernetes.client.configuration', 'kubernetes.config',
                'kubernetes.dynamic')
# The generated API classes, which KubeClient does not use (about a second to load with kubernetes 37).
UNUSED_MODULES = ('kubernetes.client.api.core_v1_api', 'kubernetes.client.api.apps_v1_api')

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
def test_the_action_plugin_loads_what_kubeclient_uses_and_no_generated_api_class(action: str) -> None:
    added = added_modules(action)
    assert [name for name in USED_MODULES if name not in added] == []
    assert [name for name in UNUSED_MODULES if name in added] == []


def test_without_the_library_the_action_plugin_loads_all_the_same() -> None:
    added = added_modules('upgrade', hide_library=True)
    assert PREFIX + 'action.upgrade' in added and not any(name.startswith('kubernetes.') for name in added)


def test_a_drain_uses_no_generated_api_class() -> None:
    """KubeClient itself (as a module process builds it) loads no generated API class either."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(COLLECTIONS))
    code = ('import asyncio, json, sys\n'
            'from %smodule_utils.kube.client import KubeClient\n'
            'config = {"clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],\n'
            '          "users": [{"name": "u", "user": {"token": "t"}}],\n'
            '          "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}], "current-context": "x"}\n'
            'async def main():\n'
            '    async with KubeClient(config, "for a test"):\n'
            '        pass\n'
            'asyncio.run(main())\n'
            'print(json.dumps(sorted(sys.modules)))\n' % PREFIX)
    loaded = json.loads(subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                                       check=True).stdout)
    assert 'kubernetes.dynamic' in loaded
    assert [name for name in UNUSED_MODULES if name in loaded] == []
