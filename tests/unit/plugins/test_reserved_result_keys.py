# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No module returns a key Ansible interprets: a result key named ``unreachable`` marks the host UNREACHABLE.

Ansible reads some top-level keys of a module's result itself (ansible/executor/task_result.py: ``changed``,
``failed``, ``skipped``, ``unreachable``, ``failed_when_result``, loop ``results``; ansible/vars/clean.py and
ansible/constants.py: ``_ansible_*``, INTERNAL_RESULT_KEYS, RESTRICTED_RESULT_KEYS; AnsibleModule sets
``invocation``, ``warnings``, ``deprecations``, ``exception``; async and until add ``ansible_job_id``,
``started``, ``finished``, ``attempts``, ``retries``). Two checks: every module's RETURN documents none of
them at the top level, and no result-building code of the collection uses the ones that mean something
wherever they appear (``unreachable``, ``failed_when_result``, ``_ansible_*``, ...) as a dict key.
"""

from __future__ import annotations

import ast
import os

import pytest
import yaml
from ansible import constants

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLUGINS = os.path.join(REPO, 'plugins')
MODULES = os.path.join(PLUGINS, 'modules')

# Interpreted only at the top level of a result (a nested "skipped" list of a drain is fine).
TOP_LEVEL_RESERVED = frozenset({
    'failed', 'skipped', 'skip_reason', 'results', 'invocation', 'warnings', 'deprecations', 'exception',
    'ansible_job_id', 'started', 'finished', 'attempts', 'retries', 'item', 'ansible_loop_var',
    'ansible_index_var',
})
# Interpreted (or stripped with a warning) wherever a task result carries them: never a key of ours.
# ``add_host`` and ``add_group`` are INTERNAL_RESULT_KEYS up to ansible-core 2.20; 2.21 dropped that constant
# (its workers send them by RPC, ansible/_internal/_worker/_inventory_rpc.py), but the older cores still read them.
ALWAYS_RESERVED = frozenset({'unreachable', 'failed_when_result', 'ansible_facts', 'add_host', 'add_group'}
                            | set(constants.RESTRICTED_RESULT_KEYS))


def reserved_anywhere(key: object) -> bool:
    return isinstance(key, str) and (key in ALWAYS_RESERVED or key.startswith('_ansible_'))


def module_files() -> list[str]:
    return sorted(name for name in os.listdir(MODULES) if name.endswith('.py') and name != '__init__.py')


def return_doc(path: str) -> dict:
    tree = ast.parse(open(path, encoding='utf-8').read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'RETURN' for target in node.targets):
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError('%s has no RETURN' % path)


def dict_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, key) of every constant dict key, keyword argument and constant subscript assignment."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            found += [(node.lineno, key.value) for key in node.keys if isinstance(key, ast.Constant)]
        elif isinstance(node, ast.Call):
            found += [(node.lineno, keyword.arg) for keyword in node.keywords if keyword.arg]
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
              and isinstance(node.slice, ast.Constant)):
            found.append((node.lineno, node.slice.value))
    return found


def result_code_files() -> list[str]:
    out = []
    for folder in ('modules', 'module_utils', 'action'):
        for root, dirs, files in os.walk(os.path.join(PLUGINS, folder)):
            dirs[:] = [name for name in dirs if name != '_api']  # generated protobuf, no results
            out += [os.path.relpath(os.path.join(root, name), PLUGINS) for name in files if name.endswith('.py')]
    return sorted(out)


@pytest.mark.parametrize('name', module_files())
def test_return_documents_no_reserved_key(name):
    keys = set(return_doc(os.path.join(MODULES, name)))
    bad = sorted(key for key in keys if key in TOP_LEVEL_RESERVED or reserved_anywhere(key))
    assert not bad, '%s RETURN documents keys Ansible interprets: %s' % (name, bad)


@pytest.mark.parametrize('path', result_code_files())
def test_no_result_key_ansible_interprets(path):
    tree = ast.parse(open(os.path.join(PLUGINS, path), encoding='utf-8').read())
    bad = ['line %d: %s' % (line, key) for line, key in dict_keys(tree) if reserved_anywhere(key)]
    assert not bad, '%s uses result keys Ansible interprets: %s' % (path, ', '.join(bad))


def test_the_check_sees_a_reserved_key():
    tree = ast.parse("result = {'unreachable': {}}\nresult['_ansible_no_log'] = 1\nresult.update(ansible_facts={})")
    found = sorted(key for _line, key in dict_keys(tree) if reserved_anywhere(key))
    assert found == ['_ansible_no_log', 'ansible_facts', 'unreachable']
