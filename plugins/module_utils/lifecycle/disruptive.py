# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape shared by modules that take one node down (reboot, shutdown, reset, rollback).

Guard etcd quorum on a control plane (``force`` overrides), drain the Kubernetes node when asked
(check mode: list what would be evicted), then act unless in check mode, and uncordon the node once
it is back; such an action always changes the machine, so ``changed`` is always true. The action
gets the operation's one deadline, which the uncordon shares. Private module: free to change.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.quorum_guard import guard_quorum


def disruptive_options(wait_timeout: float = 600.0) -> dict[str, dict[str, Any]]:
    """Argument spec entries every such module has."""
    return {
        'node': {'type': 'str'},
        'wait': {'type': 'bool', 'default': True},
        'wait_timeout': {'type': 'raw', 'default': wait_timeout},
        'force': {'type': 'bool', 'default': False},
    }


Action = Callable[[TalosClient, 'str | None', ConnectionSettings, Deadline], Awaitable[dict[str, Any]]]


def run_disruptive(talos: TalosModule, verb: str, action: Action, drains: str | None = None) -> None:
    """Guard, drain, act (``action(client, node, settings, deadline)`` returns the result fields), uncordon, exit.

    ``drains`` names the operation whose drain options the module takes (see drain_step), None for none."""
    params = talos.params
    settings, node = talos.destructive_target(verb)

    async def work(client: TalosClient) -> dict[str, Any]:
        result = {'quorum': await guard_quorum(client, node, verb, params['force'])}
        async with DrainStep(params, drains, client, node) as step:
            step.decide()  # never for an operation without drain options
            try:
                await step.before(talos.module.check_mode)
                if not talos.module.check_mode:
                    deadline = Deadline(params['wait_timeout'])
                    result.update(await action(client, node, settings, deadline))
                    await step.after(params['wait'], deadline)
            except TalosError as exc:
                if drains is not None:
                    step.attach(exc)
                raise
        if drains is not None:
            result['drain'] = step.result()
        return result

    result = talos.run(settings, work)
    talos.module.exit_json(changed=True, node=settings.node_label(node), **result)
