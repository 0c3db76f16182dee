# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which keys of a module's result its RETURN documentation does not describe.

A result is walked as its RETURN describes it: a documented dict or list of dicts with ``contains`` has its
keys checked in turn; one without ``contains`` is free-form (its keys are data, such as node addresses).
Used on real results: every unit test of a module (tests/unit/plugins/modules/conftest.py ``run``) and every
talos.linux task of the integration playbooks (tests/integration/callback_plugins/talos_return_docs.py).
"""

from __future__ import annotations

from typing import Any

import yaml

# Keys Ansible itself gives their meaning: the common return values, and what task keywords (loop, until,
# failed_when, changed_when) add to a registered result.
ANSIBLE_KEYS = frozenset([
    'changed', 'failed', 'msg', 'diff', 'invocation', 'warnings', 'deprecations', 'exception', 'skipped',
    'skip_reason', 'ansible_facts', 'attempts', 'retries', 'item', 'ansible_loop_var', 'ansible_index_var',
    'ansible_loop', 'failed_when_result', 'failed_when_suppressed_exception', 'changed_when_result', 'censored',
])


def return_spec(return_doc: str) -> dict[str, Any]:
    """The parsed RETURN block (an empty one documents nothing)."""
    return yaml.safe_load(return_doc) or {}


def undocumented(spec: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Dotted paths of the result's keys that ``spec`` (a parsed RETURN) does not describe."""
    return [path for key, value in result.items()
            if key not in ANSIBLE_KEYS and not key.startswith('_ansible')
            for path in _walk(spec, key, value, key)]


def _walk(spec: dict[str, Any], key: str, value: Any, path: str) -> list[str]:
    entry = spec.get(key)
    if not isinstance(entry, dict):
        return [path]
    contains = entry.get('contains')
    if not contains:
        return []
    if isinstance(value, dict):
        items = [(path, value)]
    elif isinstance(value, list):
        items = [('%s[]' % path, element) for element in value if isinstance(element, dict)]
    else:
        return []
    return sorted({found for where, mapping in items for name, inner in mapping.items()
                   for found in _walk(contains, name, inner, '%s.%s' % (where, name))})
