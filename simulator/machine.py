# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulated Talos machine: identity, TLS material, boot state and its gRPC listener."""

from __future__ import annotations

import asyncio
import logging
import os
import string
import time
import uuid
from typing import Any, Awaitable, Callable, Optional

from simulator import secrets
from simulator.dispatch import Dispatcher
from simulator.pki import CertAndKey
from simulator.plan import API_PORT, MachineSpec
from simulator.proxy import Proxy
from simulator.tls import server_context
from simulator.apid_faults import apid_faults_of
from simulator.transport import SimServer
from simulator.versions import TalosVersion

log = logging.getLogger(__name__)


BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def new_node_id() -> str:
    """A discovery node ID as Talos makes them: 32 random bytes in base62 (about 43 characters)."""
    number = int.from_bytes(os.urandom(32), 'big')
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return ''.join(reversed(digits)) or '0'


class Machine:
    """A machine is either configured (apid with mTLS and the OS CA) or in maintenance mode."""

    # Grows whenever some machine gains or loses its etcd member, so fleet-wide views of the etcd members
    # (simulator.readiness) can be kept and looked at again only after a change.
    etcd_changes = 0

    def __init__(self, spec: MachineSpec, version: TalosVersion, fleet_secrets: Optional[secrets.FleetSecrets],
                 endpoint: str, resolve: Callable[[str], str], boot_delay: float = 0.0) -> None:
        self.name = spec.name
        self.hostname = spec.name
        self.address = spec.address
        self.prefixlen = spec.prefixlen
        self.planned_type = spec.machine_type
        self.version = version
        self.boot_delay = boot_delay
        self.resolve = resolve  # fleet-wide name -> address lookup, standing in for DNS
        self.os_ca: Optional[CertAndKey] = None
        self.impersonator: Optional[CertAndKey] = None
        self.config_yaml: Optional[str] = None  # the running config (MachineConfig v1alpha1)
        self.persistent_yaml: Optional[str] = None  # the config on disk (simulator.apply)
        self.state_path: Optional[str] = None  # the fleet's state directory
        if fleet_secrets is not None:
            self.os_ca = fleet_secrets.os_ca
            self.server_cert = secrets.apid_certificate(self.os_ca, self.hostname, self.address)
            self.impersonator = secrets.impersonator_certificate(self.os_ca, self.hostname)
            self.config_yaml = secrets.machine_config(fleet_secrets, spec.machine_type, self.hostname, endpoint,
                                                      version.tag)
            client_ca: Optional[bytes] = self.os_ca.crt
        else:
            _ca, self.server_cert = secrets.maintenance_certificate(self.hostname, self.address)
            client_ca = None
        self.server_ssl = server_context(self.server_cert.crt, self.server_cert.key, client_ca)
        self.node_id = new_node_id()
        self.meta: dict[int, bytes] = {}  # the META partition: survives reboots
        self.peers: Callable[[], list['Machine']] = lambda: [self]  # the fleet replaces this
        self.boot_id = ''
        self.booted_at = 0.0
        self.running = False
        self.proxy = Proxy(self)
        self._server: Optional[SimServer] = None
        self._lock = asyncio.Lock()
        self.on_change: Callable[[], None] = lambda: None
        # Subsystems (etcd, services, ...) follow the machine's power state through these hooks:
        # boot hooks run after the listener is up, shutdown hooks before it closes, in order.
        self.boot_hooks: list[Callable[['Machine'], Awaitable[None]]] = []
        # Load hooks run first at boot, before the listener exists (the config on disk is loaded).
        self.load_hooks: list[Callable[['Machine'], None]] = []
        self.shutdown_hooks: list[Callable[['Machine'], Awaitable[None]]] = []
        self._etcd: Any = None
        # How it was installed and where it runs (``up --schematic/--secureboot/--platform``): the Image Factory
        # schematic it booted from, SecureBoot enabled in its firmware, the platform Talos detects.
        self.boot_schematic: Optional[str] = None
        self.secureboot = False
        self.platform = 'metal'

    @property
    def etcd(self) -> Any:
        """simulator.etcd.EtcdMember on control planes (simulator.etcd.attach), else None."""
        return self._etcd

    @etcd.setter
    def etcd(self, member: Any) -> None:
        self._etcd = member
        Machine.etcd_changes += 1

    @property
    def configured(self) -> bool:
        return self.config_yaml is not None

    @property
    def machine_type(self) -> str:
        """Talos's machine type text: unknown until a config is loaded."""
        return self.planned_type if self.configured else 'unknown'

    @property
    def state(self) -> str:
        if not self.running:
            return 'stopped'
        return 'running' if self.configured else 'maintenance'

    async def start(self) -> None:
        """Boot: wait the boot delay, get a new boot ID, listen on ADDRESS:50000."""
        async with self._lock:
            if self.running:
                return
            if self.boot_delay:
                await asyncio.sleep(self.boot_delay)
            self.boot_id = str(uuid.uuid4())
            self.booted_at = time.time()
            for load in self.load_hooks:
                load(self)
            server = SimServer([Dispatcher(self)], check_client_eku=self.configured, faults=apid_faults_of(self))
            await server.start(self.address, API_PORT, ssl=self.server_ssl, reuse_address=True)
            self._server = server
            self.running = True
            log.info('%s: up on %s:%d (%s, boot id %s)', self.name, self.address, API_PORT, self.state, self.boot_id)
            for hook in self.boot_hooks:
                await hook(self)
        self.on_change()

    async def stop(self, graceful: bool = False) -> None:
        """Power off: close the listener and drop every connection (clients see refused/reset).

        ``graceful``: machined's sequences stop apid first, and apid stops its gRPC server gracefully
        (StopAllServices in internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go, then
        internal/app/apid/service.go:runService @ v1.13.9): GOAWAY, in-flight calls finish within the grace period.
        """
        async with self._lock:
            if not self.running:
                return
            for hook in self.shutdown_hooks:
                await hook(self)
            self.running = False
            if self._server is not None:
                if graceful:
                    await self._server.graceful_stop()
                else:
                    await self._server.drop()
                self._server = None
            await self.proxy.close()
            log.info('%s: stopped', self.name)
        self.on_change()

    def describe(self) -> dict[str, Any]:
        """This machine's entry in cluster.json and in control replies."""
        return {
            'name': self.name,
            'address': self.address,
            'type': self.planned_type,
            'talos_version': self.version.tag,
            'state': self.state,
            'hostname': self.hostname,
            'boot_id': self.boot_id if self.running else None,
        }
