# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-worker stand-in for AnsibleModule (plugins/plugin_utils/_worker_module.py); the same tasks run both ways
through ansible-playbook in tests/integration/test_in_worker.py."""

from __future__ import annotations

import datetime

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase, module_factory
from ansible_collections.talos.linux.plugins.plugin_utils._worker_module import (WorkerTask,
                                                                                 no_log_values, plain, run_in_worker)

SPEC = {
    'name': {'type': 'str', 'required': True},
    'token': {'type': 'str', 'no_log': True},
    'users': {'type': 'list', 'elements': 'dict', 'options': {
        'login': {'type': 'str'},
        'password': {'type': 'str', 'no_log': True},
    }},
}


class Tagged(str):
    """A str subclass, as templating leaves (tagged and vault-encrypted strings)."""


def task(args, check_mode=False):
    return WorkerTask(name='talos.linux.example', args=args, check_mode=check_mode, diff=False)


def run(body, args, check_mode=False):
    """Run ``body(module)`` as a module's main (ModuleBase.entry_point, as every module) inside the worker."""
    main = ModuleBase.entry_point(argument_spec=SPEC)(lambda base: body(base.module))
    return run_in_worker(main, task(args, check_mode), module_factory)


def test_plain_gives_the_types_a_module_process_receives():
    value = plain({Tagged('k'): [Tagged('v'), 1, 2.5, True, None, (Tagged('t'),)], 'when': datetime.date(2026, 12, 1)})
    assert value == {'k': ['v', 1, 2.5, True, None, ['t']], 'when': '2026-12-01'}
    assert type(list(value)[0]) is str and type(value['k'][0]) is str  # pylint: disable=unidiomatic-typecheck


def test_no_log_values_include_suboptions_and_leave_other_values():
    params = {'name': 'n', 'token': 'tok-1', 'users': [{'login': 'alice', 'password': 'pw-2'}, {'login': 'bob'}]}
    assert no_log_values(SPEC, params) == {'tok-1', 'pw-2'}


def test_results_mask_no_log_values_everywhere_but_keep_booleans():
    def body(module):
        module.warn('token tok-1 is old')
        module.exit_json(changed=True, echoed='tok-1 and pw-2', ok=True)

    result = run(body, {'name': 'n', 'token': 'tok-1', 'users': [{'login': 'alice', 'password': 'pw-2'}]})
    assert 'tok-1' not in repr(result) and 'pw-2' not in repr(result)
    assert result['changed'] is True and result['ok'] is True
    assert result['invocation']['module_args']['token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert result['warnings'] == ['token ******** is old']


def test_invocation_is_left_out_when_ansible_would_not_inject_it():
    main = ModuleBase.entry_point(argument_spec=SPEC)(lambda base: base.module.exit_json(changed=False))
    quiet = WorkerTask(name='talos.linux.example', args={'name': 'n'}, check_mode=False, diff=False,
                       inject_invocation=False)
    assert run_in_worker(main, quiet, module_factory) == {'changed': False}


def test_a_module_catching_exception_does_not_swallow_its_own_exit():
    def body(module):
        try:
            module.fail_json(msg='no good')
        except Exception:  # pylint: disable=broad-exception-caught
            module.exit_json(changed=False, msg='swallowed')

    assert run(body, {'name': 'n'}) == {'failed': True, 'msg': 'no good', 'invocation': {
        'module_args': {'name': 'n', 'token': None, 'users': None}}}


def test_validation_errors_fail_as_ansible_module_does():
    def body(module):
        raise AssertionError('not reached: %r' % module)

    assert run(body, {})['msg'] == 'missing required arguments: name'
    unsupported = run(body, {'name': 'n', 'bogus': 1})['msg']
    assert unsupported.startswith('Unsupported parameters for (talos.linux.example) module: bogus.')


def test_check_mode_without_support_skips_like_ansible_module():
    def body(module):
        raise AssertionError('not reached: %r' % module)

    result = run(body, {'name': 'n'}, check_mode=True)
    assert result['skipped'] is True
    assert result['msg'] == 'remote module (talos.linux.example) does not support check mode'


ALIASED = {'dest': {'type': 'path', 'aliases': ['path'],
                    'deprecated_aliases': [{'name': 'path', 'version': '2.0.0', 'collection_name': 'talos.linux'}]}}


def run_aliased(args):
    main = ModuleBase.entry_point(argument_spec=ALIASED)(lambda base: base.module.exit_json(dest=base.params['dest']))
    return run_in_worker(main, task(args), module_factory)


def test_a_deprecated_alias_returns_the_deprecation_a_module_process_returns():
    result = run_aliased({'path': '/tmp/x'})
    assert result['dest'] == '/tmp/x'
    assert result['deprecations'] == [{
        'msg': "Alias 'path' is deprecated. See the module docs for more information",
        'version': '2.0.0', 'collection_name': 'talos.linux'}]
    assert 'deprecations' not in run_aliased({'dest': '/tmp/x'})


def test_an_option_given_with_its_alias_too_warns_as_ansible_module_does():
    result = run_aliased({'dest': '/tmp/x', 'path': '/tmp/x'})
    assert result['warnings'] == ['Both option dest and its alias path are set.']
