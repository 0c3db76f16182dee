# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action base of the modules that talk to Talos: connection options from the inventory host, and the module's
code run inside Ansible's worker when the task runs on the controller.

Precedence: a module option set on the task (or through module_defaults) wins; else the host's
``talos_*`` variable (set by the talos.linux.talosconfig inventory; the map comes from the connection
spec); else $TALOSCONFIG and the talosconfig search order. A maintenance task (insecure) takes none of
the host's secure-cluster variables (talosconfig, context, endpoints), so playbooks need not null them.

In the worker (see _worker_module): taken when the connection is local, without become or async, the
client's libraries import in this Python and ``talos_in_process`` is not false. Otherwise, e.g. a task
delegated to a bastion that reaches the Talos network, the module runs as a module process, as before.

Progress: in the worker, the waits' progress lines (client/progress.py) are printed while the task runs,
through Display, which a worker forwards to the controller's output. A module process prints none: its
output is its result, read once it ends.
Private module: free to change between releases.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Mapping

from ansible import constants
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.talos.linux.plugins.module_utils.client import progress
from ansible_collections.talos.linux.plugins.module_utils.frontend import connection_spec
from ansible_collections.talos.linux.plugins.plugin_utils._worker_module import WorkerTask, run_in_worker

try:
    # Imported here, the client stack loads once in the controller before Ansible forks its workers
    # (strategies load a task's action class to read BYPASS_HOST_LOOP); each worker inherits it.
    from ansible_collections.talos.linux.plugins.module_utils.frontend import module as module_base
    from ansible_collections.talos.linux.plugins.module_utils.client import pki
except ImportError:  # the client's libraries are missing here: modules run as module processes
    module_base = None  # type: ignore[assignment]
else:
    pki.preload()  # every connection parses its certificates and key: the parsers, too, load once here

IN_PROCESS_VARIABLE = 'talos_in_process'

display = Display()


def connection_args(args: Mapping[str, Any], task_vars: Mapping[str, Any], template: Callable[[Any], Any],
                    node_option: str = 'nodes') -> dict[str, Any]:
    """The task's module arguments, with the connection options it leaves unset taken from host variables."""
    filled = dict(args)

    def from_host(option: str, variable: str) -> None:
        if filled.get(option) is None and task_vars.get(variable) is not None:
            filled[option] = template(task_vars[variable])

    from_host('insecure', connection_spec.HOST_VARIABLES['insecure'])
    insecure = boolean(filled.get('insecure') or False, strict=False)
    for option, variable in connection_spec.HOST_VARIABLES.items():
        if not (insecure and option in connection_spec.SECURE_ONLY):
            from_host(option, variable)
    if filled.get(node_option) is None and task_vars.get(connection_spec.NODE_VARIABLE):
        node = template(task_vars[connection_spec.NODE_VARIABLE])
        filled[node_option] = node if node_option == 'node' else [node]
    return filled


def injects_invocation(task_vars: Mapping[str, Any]) -> bool:
    """Whether a module process's result carries ``invocation`` (so the worker's result does too): always up to
    ansible-core 2.20; from 2.21 only when INJECT_INVOCATION is on (``_ansible_inject_invocation``, read by
    ansible/module_utils/basic.py:AnsibleModule._return_formatted @ v2.21.5)."""
    if 'INJECT_INVOCATION' not in constants.config.get_configuration_definitions():
        return True
    return boolean(constants.config.get_config_value('INJECT_INVOCATION', variables=task_vars), strict=False)


def module_of(action_module: str) -> str:
    """The import name of the module an action plugin runs (``...plugins.action.X`` -> ``...plugins.modules.X``)."""
    package, _sep, name = action_module.rpartition('.action.')
    return '%s.modules.%s' % (package, name)


class TalosAction(ActionBase):
    """Runs the module of the same name with its connection filled in from host variables."""

    NODE_OPTION = 'nodes'  # the module option that targets nodes; a list unless it is 'node'
    _supports_check_mode = True
    _supports_async = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An action plugin's class is defined when Ansible's controller loads it, before it forks the workers:
        the module it runs is imported then too, once, rather than by every worker (Ansible's collection loader
        compiles a collection's code from source at each import, about 50 ms for upgrade and its module_utils)."""
        super().__init_subclass__(**kwargs)
        if module_base is None or '.action.' not in cls.__module__:
            return
        try:
            importlib.import_module(module_of(cls.__module__))
        except ImportError:  # the module needs a library missing here: the worker reports it when the task runs
            pass

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = connection_args(self._task.args, task_vars, self._templar.template, self.NODE_OPTION)
        if self._runs_in_worker(task_vars):
            with progress.reporting_to(self._progress_printer(task_vars.get('inventory_hostname'))):
                result.update(self._run_in_worker(args, task_vars))
            return result
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result.update(self._execute_module(module_name=self._task.resolved_action, module_args=args,
                                           task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _runs_in_worker(self, task_vars: Mapping[str, Any]) -> bool:
        """Whether the module's code may run here: it would run on this machine, as this user, now."""
        wanted = task_vars.get(IN_PROCESS_VARIABLE, True)
        return (module_base is not None and not module_base.missing_libraries()
                and boolean(self._templar.template(wanted), strict=False)
                and self._connection.transport == 'local'
                and not self._play_context.become and not self._task.async_val)

    def _progress_printer(self, host: Any) -> Callable[[str], None]:
        """Where this task's progress lines go: the play's output, named like the task's result."""
        prefix = '%s [%s]: ' % (self._task.resolved_action, host)

        def show(line: str) -> None:
            display.display(prefix + line)
        return show

    def _run_in_worker(self, args: dict[str, Any], task_vars: Mapping[str, Any]) -> dict[str, Any]:
        namespace, collection, name = self._task.resolved_action.split('.', 2)
        code = importlib.import_module('ansible_collections.%s.%s.plugins.modules.%s' % (namespace, collection, name))
        task = WorkerTask(name=self._task.resolved_action, args=args, check_mode=bool(self._task.check_mode),
                          diff=bool(self._task.diff), inject_invocation=injects_invocation(task_vars))
        environment: dict[str, Any] = {}
        self._compute_environment_string(environment)  # the task's `environment:`, templated
        saved = {key: os.environ.get(key) for key in environment}
        os.environ.update({key: str(value) for key, value in environment.items()})
        try:
            return run_in_worker(code.main, task, module_base.module_factory)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
