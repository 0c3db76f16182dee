# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node says about itself, from the calls its caller's role may make.

Version, machine status, machine type and hostname are readable with os:reader and in maintenance
mode (1.13+); the boot ID needs os:admin (MachineService.Read). A field the node will not tell us
is None; a node that cannot be reached raises. ``Observation`` is the same look as a typed value,
and ``wait_node`` waits on it, following the node's events meanwhile. Private module: free to change.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher, failure_error
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, poll, timed_out

# (namespace, type, id) of the resources read.
MACHINE_STATUS = ('runtime', 'MachineStatuses.runtime.talos.dev', 'machine')
MACHINE_TYPE = ('config', 'MachineTypes.config.talos.dev', 'machine-type')
VERSION = ('runtime', 'Versions.runtime.talos.dev', 'version')
HOSTNAME_STATUS = ('network', 'HostnameStatuses.net.talos.dev', 'hostname')
BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id'

# Codes meaning "this node will not tell us that", not "the node is unreachable".
NOT_TOLD = frozenset(['PERMISSION_DENIED', 'UNIMPLEMENTED', 'NOT_FOUND'])


async def _optional(call: Any) -> Any:
    try:
        return await call
    except TalosError as exc:
        if exc.code in NOT_TOLD:
            return None
        raise


async def _boot_id(client: TalosClient, node: str | None) -> str | None:
    data = await _optional(client.read_file(BOOT_ID_PATH, node))
    return data.decode('ascii', 'replace').strip() if data else None


def _spec(resource: dict[str, Any] | None) -> Any:
    return resource['spec'] if resource else None


async def node_info(client: TalosClient, node: str | None) -> dict[str, Any]:
    version, status, machine_type, hostname, boot_id = await asyncio.gather(
        _optional(client.version(node)),
        _optional(client.get_resource(*MACHINE_STATUS, node=node)),
        _optional(client.get_resource(*MACHINE_TYPE, node=node)),
        _optional(client.get_resource(*HOSTNAME_STATUS, node=node)),
        _boot_id(client, node),
    )
    info: dict[str, Any] = {'node': node, 'reachable': True, 'error': None}
    if version is None:  # maintenance mode of Talos <= 1.12 serves Version to SideroLink only
        version_spec = _spec(await _optional(client.get_resource(*VERSION, node=node))) or {}
        version = {'tag': version_spec.get('version'), 'sha': None, 'arch': None, 'platform': None}
    info.update(version=version.get('tag'), sha=version.get('sha'), arch=version.get('arch'),
                platform=(version.get('platform') or {}).get('name'))
    status_spec = _spec(status) or {}
    info['stage'] = status_spec.get('stage')
    info['ready'] = (status_spec.get('status') or {}).get('ready')
    info['unmet_conditions'] = (status_spec.get('status') or {}).get('unmetConditions') or []
    machine_type = _spec(machine_type)
    info['machine_type'] = machine_type if machine_type not in (None, 'unknown') else None
    info['hostname'] = (_spec(hostname) or {}).get('hostname')
    info['maintenance'] = info['stage'] == 'maintenance'
    info['boot_id'] = boot_id
    return info


def unreachable(node: str, exc: TalosError) -> dict[str, Any]:
    empty = dict.fromkeys(('hostname', 'version', 'sha', 'arch', 'platform', 'machine_type', 'stage', 'ready',
                           'maintenance', 'boot_id'))
    empty.update(node=node, reachable=False, error=str(exc), grpc_code=exc.code, unmet_conditions=[])
    return empty


@dataclass
class Observation:
    """One look at a node, for waiting on it."""

    reachable: bool
    error: Optional[str] = None
    stage: Optional[str] = None
    ready: Optional[bool] = None
    unmet: list[dict[str, str]] = field(default_factory=list)
    boot_id: Optional[str] = None
    version: Optional[str] = None
    maintenance: bool = False

    @property
    def running_and_ready(self) -> bool:
        return self.reachable and self.stage == 'running' and bool(self.ready)

    @property
    def booted(self) -> bool:
        """The boot sequence finished: every service it starts is up (stage running).

        Talos ends the boot only once its services are up, etcd included on a control plane
        (machined's startAllServices task), so a control plane waiting for bootstrap stays ``booting``.
        """
        return self.reachable and self.stage == 'running'

    @property
    def up_configured(self) -> bool:
        """Back from a first apply: serving the Talos API with its config, booting or running.

        A control plane of a cluster not bootstrapped yet stays ``booting`` (etcd waits for the bootstrap),
        so this is all a first apply can guarantee."""
        return self.reachable and self.stage in ('booting', 'running')

    def readiness(self) -> dict[str, Any]:
        """Readiness as its own report: a node can be back and running yet not ready (Kubernetes not up yet)."""
        return {'ready': bool(self.ready), 'unmet_conditions': list(self.unmet)}

    def describe(self) -> str:
        if not self.reachable:
            return 'unreachable (%s)' % self.error
        text = 'stage %s' % (self.stage or 'unknown')
        if self.ready is not None:
            text += ', ready' if self.ready else ', not ready'
        if self.unmet:
            text += ' (%s)' % '; '.join('%s: %s' % (item['name'], item['reason']) for item in self.unmet)
        if self.version:
            text += ', Talos %s' % self.version
        return text


async def observe(client: Any, node: Optional[str]) -> Observation:
    """Look at the node once; an unreachable node is an Observation, other errors raise."""
    try:
        info = await node_info(client, node)
    except TalosError as exc:
        if exc.unreachable:
            return Observation(False, error=exc.message)
        raise
    return Observation(True, stage=info['stage'], ready=info['ready'], unmet=info['unmet_conditions'],
                       boot_id=info['boot_id'], version=info['version'], maintenance=info['maintenance'])


# A node coming back from a reboot is seen within a quarter second (a whole second was lost per reboot, and
# a rolling upgrade waits for every node); each look is a couple of small calls.
NODE_POLL_INTERVAL = 0.25


async def wait_node(look: Callable[[], Awaitable[Observation]], done: Callable[[Observation], bool], what: str,
                    deadline: Deadline, node: Optional[str] = None,
                    watcher: Optional[EventWatcher] = None) -> Observation:
    """Wait (client.wait's waiter) until ``done(look())``; ``done`` may raise TalosError to stop with a failure.

    A status change the ``watcher`` hears makes it look at once (the interval is the fallback), a failed
    sequence it saw ends the wait at once; on timeout the error adds the node's
    last event to what it was last seen doing (the event says why it is not back, e.g. a stuck task)."""
    async def check() -> Poll:
        current = await look()
        if watcher is not None and watcher.failure is not None:
            raise failure_error(what, watcher.failure, node)
        return Poll(done(current), current.describe(), current)

    outcome = await poll(check, deadline, NODE_POLL_INTERVAL, what=what, node=node,
                         wake=watcher.changed if watcher is not None else None)
    if outcome.met and outcome.last is not None:
        return outcome.last.value
    seen = outcome.last.seen if outcome.last else 'no answer yet'
    if watcher is not None and watcher.last is not None:
        seen += '; last event: %s' % watcher.describe()
    raise timed_out(what, deadline, seen, node)
