# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way to wait for a node: poll what it says about itself until a condition holds or a deadline passes.

Each poll is an ``Observation`` (reachable?, stage, readiness, boot ID, version, maintenance) read
the way node_info reads it. An optional ``EventWatcher`` follows the node's events meanwhile: a
failed sequence of the action's actor ends the wait at once, and the last event says what the node
was doing. On timeout the error names what was awaited and what the node was last seen doing.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import EventWatcher, failure_error
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import node_info

POLL_INTERVAL = 1.0


@dataclass
class Observation:
    """One look at a node."""

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


def wait_error(node: Optional[str], what: str, timeout: float, last: Optional[Observation],
               watcher: Optional[EventWatcher]) -> TalosError:
    seen = last.describe() if last else 'no answer yet'
    if watcher is not None and watcher.last is not None:
        seen += '; last event: %s' % watcher.describe()
    return TalosError('timed out after %.0fs waiting for %s; last seen: %s' % (timeout, what, seen),
                      code='DEADLINE_EXCEEDED', node=node)


async def wait_until(look: Callable[[], Awaitable[Observation]], done: Callable[[Observation], bool], what: str,
                     timeout: float, node: Optional[str] = None, watcher: Optional[EventWatcher] = None,
                     interval: float = POLL_INTERVAL) -> Observation:
    """Poll ``look()`` until ``done(observation)``; ``done`` may raise TalosError to stop with a failure."""
    deadline = time.monotonic() + timeout
    last: Optional[Observation] = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise wait_error(node, what, timeout, last, watcher)
        try:
            current = await asyncio.wait_for(look(), remaining)
        except asyncio.TimeoutError:
            raise wait_error(node, what, timeout, last, watcher) from None
        if watcher is not None and watcher.failure is not None:
            raise failure_error(what, watcher.failure, node)
        if done(current):
            return current
        last = current
        await asyncio.sleep(min(interval, max(0.0, deadline - time.monotonic())))


class Rebooted:
    """``done`` predicate: the node is back (new boot ID, or seen down when the boot ID is unreadable)
    and has finished booting, optionally at a given version.

    Finished booting is what a reboot guarantees, not readiness: stage ``running`` (its services
    are up), or — for a node that was not ``running`` before either, such as a control plane
    waiting for bootstrap — any stage past the power cycle (``booting``), since it cannot get further
    on its own. Readiness (Kubernetes) is reported separately by the caller.
    """

    def __init__(self, boot_id: Optional[str], version: Optional[str] = None,
                 stage_before: Optional[str] = 'running') -> None:
        self.boot_id = boot_id
        self.version = version
        self.went_away = False
        self.stage_before = stage_before

    def back(self, observation: Observation) -> bool:
        if observation.booted:
            return True
        return observation.reachable and observation.stage == 'booting' and self.stage_before != 'running'

    def __call__(self, observation: Observation) -> bool:
        if not observation.reachable or observation.stage in ('rebooting', 'upgrading', 'booting', 'unknown'):
            self.went_away = True
        if not self.back(observation):
            return False
        if self.boot_id is not None and observation.boot_id is not None:
            if observation.boot_id == self.boot_id:
                return False
        elif not self.went_away:
            return False
        if self.version is not None and observation.version != self.version:
            raise TalosError('the node rebooted into Talos %s, not %s' % (observation.version, self.version))
        return True

    @property
    def description(self) -> str:
        text = 'the node to come back with a new boot ID and finish booting (stage running)'
        if self.stage_before != 'running':
            text = 'the node to come back with a new boot ID'
        if self.version:
            text += ' on Talos %s' % self.version
        return text
