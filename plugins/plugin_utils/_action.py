# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action base of the modules that talk to Talos: connection options from the inventory host.

Precedence: a module option set on the task (or through module_defaults) wins; else the host's
``talos_*`` variable (set by the talos.linux.talosconfig inventory; the map comes from the connection
spec); else $TALOSCONFIG and the talosconfig search order. A maintenance task (insecure) takes none of
the host's secure-cluster variables (talosconfig, context, endpoints), so playbooks need not null them.
Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.talos.linux.plugins.module_utils.frontend import connection_spec


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


class TalosAction(ActionBase):
    """Runs the module of the same name with its connection filled in from host variables."""

    NODE_OPTION = 'nodes'  # the module option that targets nodes; a list unless it is 'node'
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = connection_args(self._task.args, task_vars, self._templar.template, self.NODE_OPTION)
        result.update(self._execute_module(module_name=self._task.resolved_action, module_args=args,
                                           task_vars=task_vars))
        return result
