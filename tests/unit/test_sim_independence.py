# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim is an independent Talos: from the collection it imports only the generated wire code.

Every ``simulator/**/*.py`` is parsed with ``ast``; an import of collection logic (``client.pki``, ``client.tls``,
``machineconfig``, ...) would let a wrong rule in the collection pass its own tests against the sim.
"""

from __future__ import annotations

import ast
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
SIMULATOR = os.path.join(REPO, 'simulator')
PREFIX = 'ansible_collections.talos.linux.'
ALLOWED = ('plugins.module_utils._api', 'plugins.module_utils._rpc_method')


def _sources() -> list[str]:
    found = []
    for root, _dirs, files in os.walk(SIMULATOR):
        found += [os.path.join(root, name) for name in files if name.endswith('.py')]
    return sorted(found)


def _allowed(module: str) -> bool:
    rest = module[len(PREFIX):]
    return any(rest == allowed or rest.startswith(allowed + '.') for allowed in ALLOWED)


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import; ``from X import a`` counts as X.a too (a may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ('.' * node.level) + (node.module or '')
            found.append((node.lineno, base))
            found += [(node.lineno, base + '.' + alias.name) for alias in node.names if base]
        elif isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', '')) in (
                'import_module', '__import__') and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def violations(path: str) -> list[str]:
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    bad = []
    for line, module in _imported(tree):
        where = '%s:%d %s' % (os.path.relpath(path, REPO), line, module)
        if module.startswith(PREFIX):
            if not _allowed(module):
                bad.append(where)
        elif module == 'plugins' or module.startswith(('plugins.', 'ansible_collections.talos.linux')) \
                or module.lstrip('.').startswith('plugins'):
            bad.append(where)  # the collection by another name
    return bad


def test_simulator_imports_only_the_wire_code():
    bad = [v for path in _sources() for v in violations(path)]
    assert not bad, 'simulator imports collection logic:\n' + '\n'.join(bad)


@pytest.mark.parametrize('source, expected', [
    ('from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2', False),
    ('from ansible_collections.talos.linux.plugins.module_utils._rpc_method import RpcMethod', False),
    ('from ansible_collections.talos.linux.plugins.module_utils.client.tls import server_context', True),
    ('from ansible_collections.talos.linux.plugins.module_utils.client import pki', True),
    ('from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents', True),
    ('import ansible_collections.talos.linux.plugins.module_utils.client.pki', True),
    ('from plugins.module_utils.client import tls', True),
    ('import plugins.module_utils._api', True),
    ('importlib.import_module("ansible_collections.talos.linux.plugins.module_utils.client.pki")', True),
    ('from simulator import pki', False),
])
def test_the_rule_itself(tmp_path, source, expected):
    path = tmp_path / 'mod.py'
    path.write_text(source + '\n')
    assert bool(violations(str(path))) is expected
