# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet: its machines, its secrets on disk and the cluster.json that describes it."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Optional

from simulator import apply, etcd, secrets
from simulator.image_factory.factory import ImageFactory
from simulator.kube.cluster import KubeCluster
from simulator.machine import Machine
from simulator.plan import MachineSpec
from simulator.statedir import StateDir, write_atomic, write_json
from simulator.versions import TalosVersion

log = logging.getLogger(__name__)


class Fleet:
    def __init__(self, state: StateDir, machines: list[Machine], talosconfig: Optional[str]) -> None:
        self.state = state
        self.machines: list[Machine] = []
        self.talosconfig = talosconfig
        self.kube = KubeCluster(lambda: self.machines, self.resolve)  # the fleet's one Kubernetes cluster
        self.image_factory: Optional[ImageFactory] = None  # the fleet's one Image Factory, once it serves
        self._pending_save: Optional[asyncio.Handle] = None
        self._closed = False
        self.add(machines)

    def add(self, machines: list[Machine]) -> None:
        for machine in machines:
            machine.on_change = self.changed  # cluster.json follows every state change
            machine.peers = lambda: self.machines
            self.kube.attach(machine)
            self.machines.append(machine)

    @classmethod
    def build(cls, state: StateDir, specs: list[MachineSpec], version: TalosVersion, maintenance: bool,
              boot_delay: float = 0.0) -> 'Fleet':
        """Create the machines; unless in maintenance, also the fleet's secrets and talosconfig on disk."""
        fleet_secrets = None
        talosconfig = None
        controlplanes = [s.address for s in specs if s.machine_type == 'controlplane']
        if not maintenance:
            fleet_secrets = secrets.generate_fleet_secrets()
            _write_secrets(state, fleet_secrets)
            talosconfig = state.talosconfig
            write_atomic(talosconfig, secrets.talosconfig(fleet_secrets.os_ca, controlplanes,
                                                          [s.address for s in specs]), 0o600)
        endpoint = 'https://%s:6443' % controlplanes[0]
        fleet = cls(state, [], talosconfig)
        fleet.add([Machine(spec, version, fleet_secrets, endpoint, fleet.resolve, boot_delay) for spec in specs])
        for machine in fleet.machines:
            etcd.attach(machine, state.path)
            apply.attach(machine, state.path)
        return fleet

    def resolve(self, target: str) -> str:
        """Name resolution inside the fleet (apid would use DNS): hostname -> address."""
        for machine in self.machines:
            if target == machine.hostname:
                return machine.address
        return target

    def find(self, key: str) -> Machine:
        for machine in self.machines:
            if key in (machine.name, machine.hostname, machine.address):
                return machine
        raise KeyError('no machine named %r (known: %s)' % (key, ', '.join(m.name for m in self.machines)))

    def describe(self) -> dict[str, Any]:
        described = {
            'machines': [m.describe() for m in self.machines],
            'talosconfig': self.talosconfig,
            'pid': os.getpid(),
        }
        if self.image_factory is not None:
            described['image_factory'] = self.image_factory.describe()
        return described

    def changed(self) -> None:
        """A machine's state changed: rewrite cluster.json once this turn of the event loop is over.

        A fleet start changes every machine, often several times; writing the whole fleet for each change
        made starting quadratic in the fleet's size. Outside a running loop the file is written at once.
        """
        if self._closed or self._pending_save is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save()
            return
        self._pending_save = loop.call_soon(self.save)

    def save(self, running: bool = True) -> None:
        """Write cluster.json now; ``running=False`` is the last word of a fleet process that is ending."""
        if self._pending_save is not None:
            self._pending_save.cancel()
            self._pending_save = None
        self._closed = not running
        described = self.describe()
        if not running:
            described['pid'] = None
        write_json(self.state.cluster_file, described)

    async def start_all(self) -> None:
        self.kube.start()
        await asyncio.gather(*(m.start() for m in self.machines))

    async def stop_all(self) -> None:
        await self.kube.stop()
        await asyncio.gather(*(m.stop() for m in self.machines), return_exceptions=True)


def _write_secrets(state: StateDir, fleet_secrets: secrets.FleetSecrets) -> None:
    os.makedirs(state.secrets_dir, mode=0o700, exist_ok=True)
    os.chmod(state.secrets_dir, 0o700)
    write_atomic(os.path.join(state.secrets_dir, 'os-ca.crt'), fleet_secrets.os_ca.crt, 0o600)
    write_atomic(os.path.join(state.secrets_dir, 'os-ca.key'), fleet_secrets.os_ca.key, 0o600)
