# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action base of the modules that talk to Talos: connection options from the inventory host.

Precedence: a module option set on the task (or through module_defaults) wins; else the host's
``talos_*`` variable (set by the talos.linux.talosconfig inventory); else the talosconfig file.
Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

# module option -> host variable
HOST_VARIABLES = {
    'talosconfig': 'talos_talosconfig',
    'context': 'talos_context',
    'endpoints': 'talos_endpoints',
    'insecure': 'talos_insecure',
}


class TalosAction(ActionBase):
    """Runs the module of the same name with its connection filled in from host variables."""

    NODE_OPTION = 'nodes'  # the module option that targets nodes; a list unless it is 'node'
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        for option, variable in HOST_VARIABLES.items():
            if args.get(option) is None and variable in task_vars:
                args[option] = self._templar.template(task_vars[variable])
        if args.get(self.NODE_OPTION) is None and task_vars.get('talos_node'):
            node = self._templar.template(task_vars['talos_node'])
            args[self.NODE_OPTION] = node if self.NODE_OPTION == 'node' else [node]
        result.update(self._execute_module(module_name=self._task.resolved_action, module_args=args,
                                           task_vars=task_vars))
        return result
