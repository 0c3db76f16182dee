# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draining the Kubernetes node around a lifecycle operation: the options, talosctl's defaults, the step.

talosctl (cmd/talosctl/cmd/talos/{upgrade,reboot,shutdown,reset}.go @ v1.14.0-rc.1) drains on the
client side only where Talos no longer does it on the node: ``upgrade`` through the LifecycleService
(Talos 1.13 and newer; order: pull, install, drain, reboot, wait, uncordon) drains by default;
``reboot --drain`` is off by default; the legacy MachineService.Upgrade, ``shutdown`` (unless
``--force``) and a graceful ``reset`` are drained by Talos itself, so talosctl has no client drain
for them. ``drain`` left unset means exactly that default; the effective value is reported.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient
from ansible_collections.talos.linux.plugins.module_utils.kube.drain import (DEFAULT_TIMEOUT, DrainError, DrainReport,
                                                                             drain, uncordon_when_ready)
from ansible_collections.talos.linux.plugins.module_utils.kube.kubeconfig_source import kubeconfig
from ansible_collections.talos.linux.plugins.module_utils.kube.node import read_node
from ansible_collections.talos.linux.plugins.module_utils.kube.nodename import kubernetes_node_name


def drain_options(uncordon: bool) -> dict[str, dict[str, Any]]:
    """Argument spec entries of an operation that may drain (``uncordon``: one the node comes back from)."""
    spec: dict[str, dict[str, Any]] = {
        'drain': {'type': 'bool'},
        'drain_timeout': {'type': 'raw', 'default': DEFAULT_TIMEOUT},
        'delete_emptydir_data': {'type': 'bool', 'default': False},
        'kubeconfig': {'type': 'str', 'no_log': True},
    }
    if uncordon:
        spec['uncordon'] = {'type': 'bool', 'default': True}
    return spec


def talosctl_drains(operation: Optional[str], api: Optional[str] = None) -> bool:
    """Whether talosctl drains client-side for ``operation`` (``api``: the upgrade path, lifecycle or legacy)."""
    return operation == 'upgrade' and api == 'lifecycle'


class DrainStep:
    """The drain of one operation on one node: ``before`` the node goes down, ``after`` it is back. ``async with``.

    ``decide`` fixes whether it drains (the option, else talosctl's default); a disabled step does nothing.
    A failure of the operation keeps what the drain did in its partial result (``drain``).
    """

    def __init__(self, params: dict[str, Any], operation: Optional[str], client: Any, node: Optional[str]) -> None:
        self.params = params
        self.operation = operation
        self.client = client
        self.node = node
        self.enabled = False
        self.report: Optional[DrainReport] = None
        self._kube: Optional[KubeClient] = None
        self._name = ''

    def decide(self, api: Optional[str] = None) -> bool:
        requested = self.params.get('drain')
        self.enabled = talosctl_drains(self.operation, api) if requested is None else requested
        return self.enabled

    async def __aenter__(self) -> 'DrainStep':
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._kube is not None:
            await self._kube.__aexit__(*exc_info)
            self._kube = None

    async def prepare(self) -> None:
        """Reach Kubernetes and find the node there, before the operation changes anything.

        An upgrade installs before it drains (talosctl's order); a Kubernetes API that cannot be reached, a
        kubeconfig that is refused or a node Kubernetes does not know fails it here, with nothing done yet.
        """
        if not self.enabled or self._kube is not None:
            return
        try:
            self._name = await kubernetes_node_name(self.client, self.node)
            config = await kubeconfig(self.params.get('kubeconfig'), self.client)
            self._kube = await KubeClient(config, 'for the drain option').__aenter__()
            await read_node(self._kube, self._name)
        except TalosError as exc:  # Kubernetes, or the Talos calls that find it (kubeconfig, Nodename)
            if self.operation is not None:
                exc.message += ' (nothing was changed; drain: false would %s without draining)' % self.operation
            raise

    async def before(self, check_mode: bool) -> None:
        """Cordon and drain (check mode: list what would be evicted)."""
        if not self.enabled:
            return
        await self.prepare()
        name = self._name
        try:
            self.report = await drain(self._kube, name, timeout=self.params['drain_timeout'],
                                      delete_emptydir_data=self.params['delete_emptydir_data'],
                                      check_mode=check_mode)
        except DrainError as exc:
            self.report = exc.report
            raise

    async def after(self, back: bool, deadline: Deadline) -> None:
        """The node is ``back`` (waited for) or not: uncordon it once Ready, within the operation's ``deadline``."""
        if self.report is None or not self.report.cordoned:
            return
        if not self.params.get('uncordon', False):
            if 'uncordon' in self.params:
                self.report.note = 'left cordoned: uncordon=false'
            return
        if not back:
            self.report.note = 'left cordoned: the node was not waited for (wait=false)'
            return
        await uncordon_when_ready(self._kube, self.report, deadline)  # type: ignore[arg-type]

    def result(self) -> dict[str, Any]:
        """The ``drain`` result: ``enabled`` (the effective option) and, when it ran, what it did."""
        outcome: dict[str, Any] = {'enabled': self.enabled}
        if self.report is not None:
            outcome.update(self.report.result())
        return outcome

    def attach(self, exc: TalosError) -> None:
        """Put the drain's report into a failure's partial result."""
        exc.result = dict(exc.result or {}, drain=self.result())
