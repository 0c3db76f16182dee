# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import HOST_VARIABLES, NODE_VARIABLE
from ansible_collections.talos.linux.plugins.plugin_utils._action import TalosAction


class ActionModule(TalosAction):
    """health: without controlplanes/workers, the nodes are the inventory's Talos hosts of the host's context."""

    NODE_OPTION = 'node'

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        original = self._task.args
        controlplanes: list[str] = []
        if not original.get('controlplanes') and not original.get('workers'):
            controlplanes, workers = self._inventory_nodes(task_vars)
            if controlplanes:
                self._task.args = dict(original, controlplanes=controlplanes, workers=workers)
        try:
            result = super().run(tmp, task_vars)
        finally:
            self._task.args = original
        if controlplanes and 'node_source' in result:
            result['node_source'] = 'inventory'
        return result

    def _inventory_nodes(self, task_vars: dict[str, Any]) -> tuple[list[str], list[str]]:
        hostvars = task_vars.get('hostvars') or {}
        context = task_vars.get(HOST_VARIABLES['context'])
        controlplanes: list[str] = []
        workers: list[str] = []
        for host in (task_vars.get('groups') or {}).get('all', []):
            host_vars = hostvars.get(host) or {}
            machine_type = host_vars.get('talos_machine_type')
            node = host_vars.get(NODE_VARIABLE)
            if not machine_type or not node or host_vars.get(HOST_VARIABLES['insecure']):
                continue
            if context is not None and host_vars.get(HOST_VARIABLES['context']) != context:
                continue
            node = self._templar.template(node)
            (controlplanes if machine_type in ('controlplane', 'init') else workers).append(node)
        return controlplanes, workers
