# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every talos.linux task result must be described by its module's RETURN.

The integration tests' ``ansible_playbook`` helper loads it (ANSIBLE_CALLBACK_PLUGINS) and fails a run whose
output holds ``MARKER``: results are checked as a playbook registers them, after the action plugin.
"""

from __future__ import annotations

import ast
import os
from typing import Any

from ansible.plugins.callback import CallbackBase

from ansible_collections.talos.linux.tests.unit.return_docs import return_spec, undocumented

DOCUMENTATION = r'''
name: talos_return_docs
type: aggregate
short_description: Report talos.linux results with keys their RETURN does not document
description:
  - Test-only. Prints a warning naming the module and the undocumented keys.
'''

MARKER = 'undocumented return keys'
PREFIX = 'talos.linux.'
MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'plugins', 'modules')


def module_return(name: str) -> str:
    """The RETURN string literal of plugins/modules/<name>.py, read without importing the module."""
    with open(os.path.join(MODULES, name + '.py'), encoding='utf-8') as source:
        tree = ast.parse(source.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'RETURN' for target in node.targets):
            return node.value.value
    return ''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'talos_return_docs'
    CALLBACK_NEEDS_ENABLED = False

    def _check(self, result: Any, is_item: bool = False, failed: bool = False) -> None:
        # pylint: disable=protected-access  # TaskResult's task and result, as callbacks read them
        action = result._task.resolved_action or ''
        # An ignored failure reaches callbacks without its ``failed`` key; failed_when may hide one.
        failed = failed or 'failed_when_result' in result._result
        values = dict(result._result, failed=failed)
        looped = not is_item and result._task.loop is not None and 'results' in values
        if not action.startswith(PREFIX) or values.get('skipped') or looped:
            return  # not ours, not run, or a loop whose items were checked one by one
        name = action[len(PREFIX):]
        if not os.path.exists(os.path.join(MODULES, name + '.py')):
            return
        missing = undocumented(return_spec(module_return(name)), values)
        if missing:
            self._display.warning('%s of %s: %s' % (MARKER, action, ', '.join(missing)))

    def v2_runner_on_ok(self, result: Any) -> None:
        self._check(result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._check(result, failed=True)

    def v2_runner_item_on_ok(self, result: Any) -> None:
        self._check(result, is_item=True)

    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._check(result, is_item=True, failed=True)
