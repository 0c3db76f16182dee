# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every variable a role defines, documents, registers or sets starts with talos_<role>_.

ansible-lint's var-naming[no-role-prefix] wants <role>_ and is skipped in .ansible-lint; this is the stricter rule.
"""

from __future__ import annotations

import os

import pytest
import yaml

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), 'roles')
# Host variables of the collection's inventory contract, nulled on purpose for maintenance-mode calls.
CONNECTION_VARIABLES = {'talos_talosconfig', 'talos_context', 'talos_endpoints'}


def _names(tasks: list) -> list[str]:
    names = []
    for task in tasks or []:
        names += list((task.get('vars') or {}).keys())
        if task.get('register'):
            names.append(task['register'])
        names += list((task.get('ansible.builtin.set_fact') or {}).keys())
        for section in ('block', 'rescue', 'always'):
            names += _names(task.get(section))
    return names


def _load(path: str):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


@pytest.mark.parametrize('role', sorted(os.listdir(ROLES)))
def test_prefix(role):
    prefix = 'talos_%s_' % role
    root = os.path.join(ROLES, role)
    defaults = _load(os.path.join(root, 'defaults', 'main.yml')) or {}
    entry_points = _load(os.path.join(root, 'meta', 'argument_specs.yml'))['argument_specs'].values()
    options = set().union(*(entry['options'] for entry in entry_points))
    derived = os.path.join(root, 'vars', 'main.yml')
    names = set(defaults) | options | set(_load(derived) if os.path.exists(derived) else {})
    tasks = os.path.join(root, 'tasks')
    for name in sorted(os.listdir(tasks)):
        names |= set(_names(_load(os.path.join(tasks, name))))
    assert set(defaults) <= options, 'defaults without documentation'
    assert sorted(n for n in names - CONNECTION_VARIABLES if not n.startswith(prefix)) == []
