# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base is the one place an error becomes a failed task: what the task result then holds."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Callable

import pytest
from ansible.module_utils import basic

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend import module as frontend
from ansible_collections.talos.linux.plugins.module_utils.frontend.files import FileError
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase, TalosModule

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
except ImportError:
    patch_module_args = None

FAILURE_KEYS = ('msg', 'grpc_code', 'node', 'endpoint')


@pytest.fixture
def task(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """``task(main, **args)``: run a decorated module ``main`` as Ansible would; the result it printed."""
    def run(main: Callable[[], None], **args: Any) -> dict[str, Any]:
        if patch_module_args is not None:
            arguments = patch_module_args(args)
        else:
            monkeypatch.setattr(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode())
            arguments = contextlib.nullcontext()
        capsys.readouterr()
        with arguments, pytest.raises(SystemExit):
            main()
        return json.loads(capsys.readouterr().out)
    return run


def raising(base: type[ModuleBase], exc: BaseException, **module_args: Any) -> Callable[[], None]:
    @base.entry_point(argument_spec={}, **module_args)
    def main(_module: ModuleBase) -> None:
        raise exc
    return main


def test_a_talos_error_fails_with_code_node_endpoint_and_partial_result(task):
    error = TalosError('refused', code='PERMISSION_DENIED', node='10.5.0.3', endpoint='10.5.0.2',
                       result={'changed': True, 'api': 'lifecycle'})
    result = task(raising(TalosModule, error), talosconfig='/nonexistent')
    assert result['failed'] is True
    assert result['msg'] == 'node 10.5.0.3, via endpoint 10.5.0.2: refused (gRPC PERMISSION_DENIED)'
    assert (result['grpc_code'], result['node'], result['endpoint']) == ('PERMISSION_DENIED', '10.5.0.3', '10.5.0.2')
    assert result['changed'] is True and result['api'] == 'lifecycle'


def test_a_local_error_of_a_controller_module_has_the_same_keys(task):
    @ModuleBase.entry_point(argument_spec={'path': {'type': 'str'}})
    def main(base: ModuleBase) -> None:
        base.failure_result['path'] = base.params['path']
        raise FileError('/x/y: parent directory /x does not exist')

    result = task(main, path='/x/y')
    assert result['failed'] is True and result['path'] == '/x/y'
    assert {key: result[key] for key in FAILURE_KEYS} == {
        'msg': '/x/y: parent directory /x does not exist', 'grpc_code': None, 'node': None, 'endpoint': None}


def test_the_error_keys_win_over_a_partial_result(task):
    error = TalosError('boom', node='n1', result={'msg': 'stale', 'node': 'other', 'grpc_code': 'OK', 'kept': 1})
    result = task(raising(ModuleBase, error))
    assert (result['msg'], result['node'], result['grpc_code'], result['kept']) == ('node n1: boom', 'n1', None, 1)


def test_any_other_exception_is_a_bug_that_still_fails_the_task(task):
    # Its traceback goes to fail_json's ``exception``, shown as the Ansible version's traceback settings say.
    result = task(raising(ModuleBase, KeyError('spec')))
    assert result['failed'] is True and result['msg'] == "unexpected error: 'spec'"


def test_the_decorated_main_takes_the_module_args(task):
    @ModuleBase.entry_point(argument_spec={'name': {'type': 'str', 'required': True}})
    def main(base: ModuleBase) -> None:
        base.module.exit_json(changed=False, name=base.params['name'])

    result = task(main, name='x')
    # AnsibleModule adds ``invocation`` always before ansible-core 2.21, from 2.21 only with INJECT_INVOCATION on.
    assert result.pop('invocation', {'module_args': {'name': 'x'}}) == {'module_args': {'name': 'x'}}
    assert result == {'changed': False, 'name': 'x'}
    assert 'name' in task(main)['msg']  # AnsibleModule's own argument check still fails the task


class _Client:
    """A TalosClient stand-in: the base only enters and leaves it."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings

    async def __aenter__(self) -> '_Client':
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


@pytest.mark.parametrize('error, node', [
    (FileError('dest: directory /backups does not exist'), '10.5.0.2'),  # names no node: the run's node
    (TalosError('not a control plane', code='UNIMPLEMENTED', node='10.5.0.9'), '10.5.0.9'),  # its own node
])
def test_run_reports_node_less_errors_against_its_node(task, monkeypatch, error, node):
    monkeypatch.setattr(frontend, 'TalosClient', _Client)

    @TalosModule.entry_point(argument_spec={})
    def main(talos: TalosModule) -> None:
        async def work(_client: Any) -> None:
            raise error
        talos.run(ConnectionSettings(endpoints=['10.5.0.2'], insecure=True), work, node='10.5.0.2')

    result = task(main, insecure=True)
    assert result['failed'] is True and result['node'] == node
    assert result['msg'].startswith('node %s: ' % node)
