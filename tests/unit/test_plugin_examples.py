# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every plugin's EXAMPLES are valid as written: ansible-lint clean, and accepted by the modules' argument specs.

The tasks of each module's and filter's EXAMPLES become one play in a temporary directory, and ansible-lint runs
once over all of them (production profile plus ``args``, warnings included); a play with a finding it must report
rides along, so the run is seen to look. ansible-lint's ``args`` rule skips modules that have an action plugin,
so every module task is also validated here against the spec its ``main()`` hands to AnsibleModule, with the
duration and number checks the module base adds (templated values pass). The inventory plugin's EXAMPLES are
inventory sources: each one names the plugin and only its documented options.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import textwrap
from typing import Any, NoReturn

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.talos.linux.plugins.module_utils.frontend.duration import duration_problem
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import module_factory
from ansible_collections.talos.linux.plugins.module_utils.frontend.option_checks import number_problem

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
# The rules between options AnsibleModule and ArgumentSpecValidator both take.
RULES = ('mutually_exclusive', 'required_together', 'required_one_of', 'required_if', 'required_by')
PLAY = '---\n- name: EXAMPLES of %s\n  hosts: all\n  gather_facts: false\n  tasks:\n%s'
BROKEN = '''- name: An option no module has
  talos.linux.etcd_info:
    no_such_option: true
'''
# A finding ansible-lint's production profile always reports, to see that it looked.
UNLINTED = '''- name: a name in lower case
  talos.linux.etcd_info:
    node: 10.5.0.2
'''


def examples(kind: str) -> dict[str, str]:
    """The EXAMPLES string of every plugin of a kind (plugins/<kind>/*.py), by plugin name."""
    folder = os.path.join(REPO, 'plugins', kind)
    found = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and not name.startswith('_'):
            with open(os.path.join(folder, name), encoding='utf-8') as source:
                tree = ast.parse(source.read())
            found[name[:-3]] = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                                    and getattr(node.targets[0], 'id', None) == 'EXAMPLES')
    return found


def _write_play(folder: str, name: str, tasks: str) -> None:
    body = textwrap.indent(textwrap.dedent(tasks).strip('\n') + '\n', '    ')
    with open(os.path.join(folder, name + '.yml'), 'w', encoding='utf-8') as play:
        play.write(PLAY % (name, body))


def test_examples_pass_ansible_lint(tmp_path):
    for kind in ('modules', 'filter'):
        for name, text in examples(kind).items():
            _write_play(str(tmp_path), '%s_%s' % (kind, name), text)
    _write_play(str(tmp_path), 'unlinted', UNLINTED)
    config = tmp_path / 'lint.yml'
    config.write_text('profile: production\nenable_list: [args]\n')  # args: options of modules without an action
    # A HOME of its own: ansible-lint looks in ~/.ansible/collections first, where an older copy may lie.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, NO_COLOR='1', HOME=str(tmp_path))
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-lint'), '--offline', '-c', str(config),
                          '--format', 'codeclimate', '.'],
                         cwd=str(tmp_path), capture_output=True, text=True, env=env, timeout=900, check=False)
    findings = ['%s:%s %s %s' % (found['location']['path'], found['location'].get('lines', {}).get('begin'),
                                 found['check_name'], found['description']) for found in json.loads(run.stdout or '[]')]
    assert [finding for finding in findings if not finding.startswith('unlinted.yml')] == []
    assert any('name[casing]' in finding for finding in findings), run.stderr


class _SpecSeen(BaseException):
    """Stops a module's main() once it has handed over its argument spec (not an Exception: nothing catches it)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self.spec = spec


def _capture(**spec: Any) -> NoReturn:
    raise _SpecSeen(spec)


def argument_spec(name: str) -> dict[str, Any]:
    """What the module's main() gives AnsibleModule: ``argument_spec`` and the rules between options."""
    module = importlib.import_module('ansible_collections.talos.linux.plugins.modules.' + name)
    with module_factory(_capture):
        try:
            module.main()
        except _SpecSeen as seen:
            return seen.spec
    raise AssertionError('%s: main() built no module' % name)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and '{{' in value


def spec_problems(task: dict[str, Any]) -> list[str]:
    """What the module's argument spec says about a talos.linux task's arguments (templated values pass)."""
    name = next((key[len('talos.linux.'):] for key in task if key.startswith('talos.linux.')), None)
    if name is None:
        return []  # a task of another collection, such as an assert on the result
    spec = argument_spec(name)
    rules = {key: spec[key] for key in RULES if key in spec}
    args = task['talos.linux.' + name] or {}
    validated = ArgumentSpecValidator(spec['argument_spec'], **rules).validate(dict(args))
    problems = [error for error in validated.errors.messages
                if not any(_templated(value) and "'%s'" % option in error for option, value in args.items())]
    # Then what the module base checks before the module runs: durations and numbers.
    literal = {option: value for option, value in validated.validated_parameters.items() if not _templated(value)}
    problems.append(duration_problem(literal, spec['argument_spec']) or number_problem(literal, spec['argument_spec']))
    return ['%s: %s' % (task['name'], problem) for problem in problems if problem]


def test_module_examples_match_argument_specs():
    """Every option in the modules' EXAMPLES exists, required ones are there, and literal values have the
    option's type; ansible-lint's args rule skips modules with an action plugin, so this checks them all."""
    tasks = [task for text in examples('modules').values() for task in yaml.safe_load(text)]
    assert [problem for task in tasks for problem in spec_problems(task)] == []


def test_spec_check_finds_bad_arguments():
    problems = spec_problems(yaml.safe_load(BROKEN)[0])
    assert len(problems) == 1 and 'no_such_option' in problems[0]
    typed = {'name': 'n', 'talos.linux.health': {'same_version': 'perhaps', 'node': '{{ unknown }}'}}
    assert [problem for problem in spec_problems(typed) if 'same_version' in problem]
    timed = {'name': 'n', 'talos.linux.health': {'wait_timeout': '10 minutes'}}
    assert [problem for problem in spec_problems(timed) if 'wait_timeout' in problem]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (two sources run together in one document)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _value in node.value]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        if duplicated:
            raise yaml.constructor.ConstructorError(None, None, 'duplicate keys %s' % duplicated, node.start_mark)
        return super().construct_mapping(node, deep)


def test_inventory_examples_are_inventory_sources():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    for name, text in examples('inventory').items():
        plugin = 'talos.linux.' + name
        doc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '-t', 'inventory',
                              '--json', plugin], capture_output=True, text=True, env=env, timeout=300, check=True)
        options = set(json.loads(doc.stdout)[plugin]['doc']['options'])
        sources = [source for source in yaml.load_all(text, Loader=_UniqueKeyLoader) if source]
        assert sources and all(source['plugin'] == plugin for source in sources), name
        assert [sorted(set(source) - options) for source in sources] == [[]] * len(sources), name
