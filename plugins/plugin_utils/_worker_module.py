# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's code run inside Ansible's worker process instead of a module process of its own.

A talos.linux module spends ~350 ms starting (Python, ansible's module_utils, protobuf, grpclib) for a few
milliseconds of gRPC. When the task runs on the controller anyway, the action plugin calls the module's
``main()`` right here with ``WorkerModule`` standing in for AnsibleModule. It keeps AnsibleModule's
contract for what our modules use: validation with the module's own argument spec (ansible's public
ArgumentSpecValidator, so messages are the same), check-mode refusal, ``warn``, ``deprecate``, the validator's
warnings and deprecations (a deprecated alias), and results that carry ``invocation`` with ``no_log`` values
censored everywhere, as AnsibleModule's ``exit_json``/``fail_json`` do.

Private module: free to change between releases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NoReturn, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.talos.linux.plugins.module_utils.frontend.redact import no_log_strings


class ModuleExit(BaseException):
    """``exit_json``/``fail_json`` were called: the module's result. A BaseException like SystemExit, so a
    module's own ``except Exception`` does not catch its exit."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__('module exited')
        self.result = result


@dataclass(frozen=True)
class WorkerTask:
    """What AnsibleModule would read from the ``_ansible_*`` arguments of the task."""

    name: str  # the module's resolved name, as in AnsibleModule's messages
    args: Mapping[str, Any]
    check_mode: bool
    diff: bool
    inject_invocation: bool = True  # ``_ansible_inject_invocation``: off by default from ansible-core 2.21


def plain(value: Any) -> Any:
    """Arguments as a module process receives them, JSON's plain types: templating leaves str subclasses (tagged
    or vault-encrypted strings) that YAML and protobuf refuse; ``str()`` gives their plain (decrypted) text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()  # as the module's JSON encoder writes them
    return str(value)


def no_log_values(spec: Mapping[str, Any], params: Mapping[str, Any]) -> set[str]:
    """What AnsibleModule masks in results: the strings of every option marked ``no_log``, suboptions included."""
    found: set[str] = set()
    for name, option in spec.items():
        value = params.get(name)
        if value is None:
            continue
        if option.get('no_log'):
            found |= no_log_strings(value)
        suboptions = option.get('options')
        if suboptions:
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, Mapping):
                    found |= no_log_values(suboptions, entry)
    return found


class WorkerModule:
    """AnsibleModule's interface as talos.linux modules use it, in the worker; the exits raise ModuleExit."""

    def __init__(self, task: WorkerTask, argument_spec: dict[str, Any], supports_check_mode: bool = False,
                 mutually_exclusive: Optional[list] = None, required_together: Optional[list] = None,
                 required_one_of: Optional[list] = None, required_if: Optional[list] = None,
                 required_by: Optional[dict] = None) -> None:
        self._name = task.name
        self.argument_spec = argument_spec
        self.check_mode = task.check_mode
        self._diff = task.diff
        self._inject_invocation = task.inject_invocation
        self._warnings: list[str] = []
        self._deprecations: list[dict[str, Any]] = []
        self.no_log_values: set[str] = set()
        self.params: dict[str, Any] = plain(task.args)
        validator = ArgumentSpecValidator(argument_spec, mutually_exclusive, required_together, required_one_of,
                                          required_if, required_by)
        validation = validator.validate(self.params)
        self.params = validation.validated_parameters
        self.no_log_values = no_log_values(argument_spec, self.params)
        # What AnsibleModule's validator (ModuleArgumentSpecValidator.validate) reports from the same result;
        # the result keeps them only in these attributes, in ansible-core 2.16 as in 2.19.
        for deprecation in validation._deprecations:
            self.deprecate(deprecation['msg'], deprecation.get('version'), deprecation.get('date'),
                           deprecation.get('collection_name'))
        for both in validation._warnings:
            self.warn('Both option %s and its alias %s are set.' % (both['option'], both['alias']))
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self._name, message)
            self.fail_json(msg=message)
        if self.check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg='remote module (%s) does not support check mode' % self._name)

    def warn(self, warning: str) -> None:
        self._warnings.append(warning)

    def deprecate(self, msg: str, version: Optional[str] = None, date: Optional[str] = None,
                  collection_name: Optional[str] = None) -> None:
        """Shown by Ansible as a deprecation warning, as the ``deprecations`` a module process returns are."""
        deprecation = {'msg': msg, 'version': version, 'date': date, 'collection_name': collection_name}
        self._deprecations.append({key: value for key, value in deprecation.items() if value is not None})

    def exit_json(self, **result: Any) -> NoReturn:
        raise ModuleExit(self._formatted(result))

    def fail_json(self, msg: str, **result: Any) -> NoReturn:
        result.update(failed=True, msg=str(msg))
        raise ModuleExit(self._formatted(result))

    def _formatted(self, result: dict[str, Any]) -> dict[str, Any]:
        if self._inject_invocation:
            result.setdefault('invocation', {'module_args': self.params})
        if self._warnings:
            result['warnings'] = list(self._warnings)
        if self._deprecations:
            result['deprecations'] = list(self._deprecations)
        kept = {key: value for key, value in result.items() if value is None or isinstance(value, bool)}
        censored = remove_values(result, self.no_log_values)
        censored.update(kept)
        return censored


def run_in_worker(main: Callable[[], None], task: WorkerTask,
                  use_factory: Callable[[Callable[..., Any]], Any]) -> dict[str, Any]:
    """Run a module's ``main()`` with WorkerModule as its AnsibleModule; its result (a module always exits)."""

    def factory(**module_args: Any) -> WorkerModule:
        return WorkerModule(task, **module_args)

    try:
        with use_factory(factory):
            main()
    except ModuleExit as done:
        return done.result
    return {'failed': True, 'msg': 'module %s returned no result (a bug: it must exit)' % task.name}
