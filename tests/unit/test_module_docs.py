# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugins' documentation against what they do: returned keys, requirements, ``ansible-doc`` without warnings.

Real results are checked where they are made: every unit test of a module (tests/unit/plugins/modules/conftest.py)
and every talos.linux task of the integration playbooks (tests/integration/callback_plugins/talos_return_docs.py).
Here, the keys a module file sets itself are checked without running it, and the checker is checked.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.talos.linux.tests.unit.return_docs import return_spec, undocumented

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(REPO, 'plugins', 'modules')) if name.endswith('.py'))
RESULT_CALLS = ('exit_json', 'fail_json')


def _tree(kind: str, name: str) -> ast.Module:
    with open(os.path.join(REPO, 'plugins', kind, name + '.py'), encoding='utf-8') as source:
        return ast.parse(source.read())


def _constant(tree: ast.Module, name: str) -> str:
    return next(node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == name)


def keys_set_in(tree: ast.Module) -> set[str]:
    """Result keys a module file names itself: keyword arguments of exit_json/fail_json, and the string keys
    given to a dict that is passed to them as ``**result`` (``result = {...}``, ``result['key'] = ...``,
    ``result.update(key=...)``)."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in RESULT_CALLS]
    keys = {keyword.arg for call in calls for keyword in call.keywords if keyword.arg}
    spread = {keyword.value.id for call in calls for keyword in call.keywords
              if keyword.arg is None and isinstance(keyword.value, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if any(getattr(target, 'id', None) in spread for target in node.targets):
                keys |= {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if getattr(node.value, 'id', None) in spread and isinstance(node.slice, ast.Constant):
                keys.add(node.slice.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'update':
            if getattr(node.func.value, 'id', None) in spread:
                keys |= {keyword.arg for keyword in node.keywords if keyword.arg}
    return keys


@pytest.mark.parametrize('module', MODULES)
def test_keys_the_module_sets_are_documented(module):
    tree = _tree('modules', module)
    result = {key: None for key in keys_set_in(tree)}
    assert undocumented(return_spec(_constant(tree, 'RETURN')), result) == []


def test_static_scan_finds_keys():
    tree = ast.parse("result = {'a': 1}\nresult['b'] = 2\nresult.update(d=4)\nother = {'x': 1}\n"
                     "m.exit_json(c=3, **result)\n")
    assert keys_set_in(tree) == {'a', 'b', 'c', 'd'}


SPEC = return_spec('''
node: {description: n, returned: always, type: str}
members:
  description: m
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: i, type: str}
    status: {description: free-form, type: dict}
resolved: {description: free-form, returned: always, type: dict}
dest: {description: d, returned: always, type: str}
''')


def test_checker_walks_what_return_describes():
    result = {'changed': True, 'node': 'a', 'members': [{'id': '1', 'status': {'anything': 1}, 'extra': 2}],
              'resolved': {'cp-1': '10.5.0.2'}, 'surprise': 1}
    assert undocumented(SPEC, result) == ['members[].extra', 'surprise']


def test_checker_knows_what_ansible_adds():
    assert undocumented(SPEC, {'changed': False, 'invocation': {}, 'item': 1, '_ansible_no_log': False}) == []
    assert undocumented(SPEC, {'failed': True, 'grpc_code': 'UNAVAILABLE'}) == ['grpc_code']


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_DEPRECATION_WARNINGS='1')
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), *args],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def _plugins(kind: str) -> list[str]:
    folder = os.path.join(REPO, 'plugins', kind)
    return sorted('talos.linux.' + name[:-3] for name in os.listdir(folder)
                  if name.endswith('.py') and not name.startswith('_'))


DOC_TARGETS = {
    'module': _plugins('modules'),
    'inventory': _plugins('inventory'),
    'filter': _plugins('filter'),
    'role': sorted('talos.linux.' + role for role in os.listdir(os.path.join(REPO, 'roles'))),
}


# ansible-core 2.21's `ansible-doc -t role` warns that its own internal collection (ansible._protomatter) has
# no version: not about this collection, and nothing a collection can change.
_CORE_INTERNAL = '/ansible/_internal/ansible_collections/'


def complaints(stderr: str) -> str:
    """What ansible-doc said on stderr, less its warnings about ansible-core's own internal collections."""
    blocks = re.split(r'(?m)^(?=\[[A-Z ]+\]:)', stderr)
    return ''.join(block for block in blocks if _CORE_INTERNAL not in block).strip()


@functools.lru_cache(maxsize=None)
def docs(kind: str) -> dict[str, dict]:
    """``ansible-doc --json`` of every plugin (or role) of a type; ansible-doc must say nothing on stderr."""
    run = _ansible_doc('-t', kind, '--json', *DOC_TARGETS[kind])
    assert (run.returncode, complaints(run.stderr)) == (0, ''), run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize('kind', sorted(DOC_TARGETS))
def test_ansible_doc_is_clean(kind):
    assert sorted(docs(kind)) == DOC_TARGETS[kind]
    if kind != 'role':
        run = _ansible_doc('-t', kind, *DOC_TARGETS[kind])  # the text rendering, as a user reads it
        assert (run.returncode, complaints(run.stderr)) == (0, ''), run.stderr


def test_only_ansible_cores_own_warnings_are_set_aside():
    core = ("[WARNING]: Collection at '/venv/lib/python3.13/site-packages/ansible/_internal/ansible_collections/"
            "ansible/_protomatter' does not have a MANIFEST.json file, nor has it galaxy.yml: cannot detect version.\n")
    ours = '[WARNING]: talos.linux.health: option wait_timeout\n  has no description\n'
    assert complaints(core) == ''
    assert complaints(core + ours) == ours.strip()
    assert complaints(ours + core) == ours.strip()


# What in a plugin's source means it needs a library: the Talos client, a library check, YAML, draining.
NEEDS = {'TalosModule': 'grpclib', 'HAS_CRYPTOGRAPHY': 'cryptography', 'HAS_YAML': 'PyYAML',
         'talos.linux.drain': 'kubernetes', 'talos.linux.connection': 'protobuf'}


@pytest.mark.parametrize('kind, folder', [('module', 'modules'), ('inventory', 'inventory'), ('filter', 'filter')])
def test_python_requirements_are_listed(kind, folder):
    for name, entry in docs(kind).items():
        with open(os.path.join(REPO, 'plugins', folder, name.rsplit('.', 1)[1] + '.py'), encoding='utf-8') as f:
            source = f.read()
        requirements = ' '.join(entry['doc'].get('requirements') or [])
        needed = {library for marker, library in NEEDS.items() if marker in source}
        assert {library for library in needed if library not in requirements} == set(), (name, requirements)
