# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""machined's system services on one machine: their states, events and health, per boot.

Each machine has one ``ServiceTable`` (``services_of(machine)``). A boot starts every service the
machine's type runs (``Running`` with a start history); the ``etcd`` service is the machine's real
etcd member (simulator.etcd), whose own state and events are shown. Like Talos:

* only kubelet (start, restart) and extension services ``ext-<name>`` (start, stop, restart) may be
  driven through the API; anything else is refused with 'service "<id>" doesn't support <op> operation
  via API'; an unknown ID is 'service "<id>" not defined';
* starting a running service or stopping a stopped one does nothing; restarting a stopped service
  starts it;
* the ``Services.v1alpha1.talos.dev`` resource exists while a service runs.

Faults (``ctl stop-service``/``start-service``) stop or start any service, etcd included (its real
member stops), as if it had crashed or been brought back; a stopped service stays stopped until
started again or the machine reboots. ``ctl extension-service`` installs an extension service
(kept across reboots).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from simulator.api import machine_pb2
from simulator.etcd_gateway import EtcdError
from simulator.lifecycle import lifecycle_of

if TYPE_CHECKING:
    from simulator.machine import Machine

ETCD = 'etcd'
KUBELET = 'kubelet'
EXTENSION_PREFIX = 'ext-'
HEALTH_TIMEOUT = 1.0
ETCD_HEALTH_TTL = 1.0  # seconds a probed etcd health is reused

# Services by machine kind (Talos 1.12-1.14 on metal); maintenance runs no Kubernetes or etcd.
_MAINTENANCE = ('apid', 'auditd', 'containerd', 'machined', 'syslogd', 'udevd')
_WORKER = ('apid', 'auditd', 'containerd', 'cri', KUBELET, 'machined', 'syslogd', 'udevd')
_CONTROLPLANE = ('apid', 'auditd', 'containerd', 'cri', ETCD, KUBELET, 'machined', 'syslogd', 'trustd', 'udevd')
_HEALTH_CHECKED = frozenset(('apid', 'containerd', 'cri', ETCD, KUBELET, 'machined', 'trustd'))

_TABLES: 'weakref.WeakKeyDictionary[Machine, ServiceTable]' = weakref.WeakKeyDictionary()
_PIDS = iter(range(1200, 1 << 22))


class ServiceError(Exception):
    """A refusal machined answers with a plain error (gRPC Unknown)."""


@dataclass
class Health:
    unknown: bool = True
    healthy: bool = False
    message: str = ''
    changed: float = 0.0


@dataclass
class SimService:
    """One non-etcd service: Talos's state text, event history and health."""

    id: str
    state: str = 'Initialized'
    events: list[tuple[str, str, float]] = field(default_factory=list)
    health: Health = field(default_factory=Health)

    @property
    def running(self) -> bool:
        return self.state == 'Running'

    def record(self, state: str, message: str, when: Optional[float] = None) -> None:
        self.state = state
        self.events.append((message, state, time.time() if when is None else when))
        del self.events[:-30]

    def start(self, when: Optional[float] = None) -> None:
        started = 'Started task %s (PID %d) for container %s' % (self.id, next(_PIDS), self.id)
        for state, message in (('Starting', 'Starting service'), ('Preparing', 'Running pre state'),
                               ('Preparing', 'Creating service runner'), ('Running', started)):
            self.record(state, message, when)
        moment = time.time() if when is None else when
        if self.id in _HEALTH_CHECKED or self.id.startswith(EXTENSION_PREFIX):
            self.health = Health(unknown=False, healthy=True, changed=moment)
            self.record('Running', 'Health check successful', when)
        else:
            self.health = Health(unknown=True, changed=moment)

    def stop(self) -> None:
        self.record('Finished', 'Service finished successfully')
        self.health = Health(unknown=True, changed=time.time())


def _api_allowed(service_id: str, operation: str) -> bool:
    if service_id.startswith(EXTENSION_PREFIX):
        return True
    return service_id == KUBELET and operation in ('start', 'restart')


class ServiceTable:
    """The services of one machine for its current boot; see the module docstring."""

    def __init__(self, machine: 'Machine') -> None:
        self.machine = machine
        self.boot_id: Optional[str] = None
        self.services: dict[str, SimService] = {}
        self.extensions: list[str] = []  # extension service IDs, installed in the image: kept across boots
        self._etcd_health: tuple[float, Health] = (0.0, Health())

    def sync(self) -> None:
        """A new boot (or a configuration change) starts the services afresh."""
        machine = self.machine
        kind = (machine.configured, machine.planned_type)
        if self.boot_id == (machine.boot_id, kind):
            return
        self.boot_id = (machine.boot_id, kind)  # type: ignore[assignment]
        if not machine.configured:
            ids: tuple[str, ...] = _MAINTENANCE
        else:
            ids = _CONTROLPLANE if machine.planned_type == 'controlplane' else _WORKER
        self.services = {}
        for service_id in list(ids) + self.extensions:
            if service_id == ETCD:
                continue
            service = SimService(service_id)
            service.start(machine.booted_at)
            self.services[service_id] = service

    @property
    def etcd(self) -> Any:
        machine = self.machine
        return machine.etcd if machine.configured and machine.planned_type == 'controlplane' else None

    def ids(self) -> list[str]:
        self.sync()
        ids = set(self.services)
        if self.etcd is not None:
            ids.add(ETCD)
        return sorted(ids)

    def is_running(self, service_id: str) -> bool:
        if service_id == ETCD:
            member = self.etcd
            return member is not None and member.task is not None and not member.task.done()
        return self.services[service_id].running

    def _require(self, service_id: str) -> None:
        if service_id not in self.ids():
            raise ServiceError('service "%s" not defined' % service_id)

    # -- the API -------------------------------------------------------------------------------

    async def api(self, operation: str, service_id: str) -> None:
        """ServiceStart/Stop/Restart as machined serves them (``operation``: start, stop, restart)."""
        self._require(service_id)
        running = self.is_running(service_id)
        if operation == 'restart' and not running:
            operation = 'start'
        if (operation == 'start' and running) or (operation == 'stop' and not running):
            return
        if not _api_allowed(service_id, operation):
            raise ServiceError('service "%s" doesn\'t support %s operation via API' % (service_id, operation))
        if operation in ('stop', 'restart'):
            await self.stop(service_id)
        if operation in ('start', 'restart'):
            await self.start(service_id)

    async def stop(self, service_id: str) -> None:
        self._require(service_id)
        if not self.is_running(service_id):
            return
        if service_id == ETCD:
            await self.etcd.stop()
        else:
            self.services[service_id].stop()
        self._publish(service_id)

    async def start(self, service_id: str) -> None:
        self._require(service_id)
        if self.is_running(service_id):
            return
        if service_id == ETCD:
            await self.etcd.start()
        else:
            self.services[service_id].start()
        self._publish(service_id)

    def add_extension(self, name: str) -> str:
        service_id = name if name.startswith(EXTENSION_PREFIX) else EXTENSION_PREFIX + name
        if service_id not in self.extensions:
            self.extensions.append(service_id)
            self.sync()
            service = SimService(service_id)
            service.start()
            self.services[service_id] = service
            self._publish(service_id)
        return service_id

    def _publish(self, service_id: str) -> None:
        info = self.info_now(service_id)
        action = machine_pb2.ServiceStateEvent.Action.Value(info['state'].upper())
        lifecycle_of(self.machine).events.publish(machine_pb2.ServiceStateEvent(
            service=service_id, action=action, message=info['events'][-1][0] if info['events'] else '',
            health=_health_proto(info['health'])))
        self.machine.on_change()

    # -- reads ---------------------------------------------------------------------------------

    async def etcd_health(self) -> Health:
        """etcd's health, probed from its member (cached for ETCD_HEALTH_TTL seconds)."""
        member = self.etcd
        if member is None or member.state != 'Running' or not member.process_running:
            return Health()
        when, cached = self._etcd_health
        if time.monotonic() - when < ETCD_HEALTH_TTL:
            return cached
        try:
            status = await member.gateway.status(timeout=HEALTH_TIMEOUT)
        except EtcdError as exc:
            health = Health(unknown=False, healthy=False, message=exc.message, changed=time.time())
        else:
            healthy = bool(status['leader']) and not status['errors']
            health = Health(unknown=False, healthy=healthy, message='' if healthy else 'etcd member has no leader',
                            changed=time.time())
        self._etcd_health = (time.monotonic(), health)
        return health

    def info_now(self, service_id: str) -> dict[str, Any]:
        """A service as plain data, with etcd's last probed health (no I/O)."""
        if service_id == ETCD:
            member = self.etcd
            health = self._etcd_health[1] if member.state == 'Running' else Health()
            return {'id': ETCD, 'state': member.state, 'events': list(member.events), 'health': health}
        service = self.services[service_id]
        return {'id': service_id, 'state': service.state, 'events': list(service.events), 'health': service.health}

    async def info(self, service_id: str) -> dict[str, Any]:
        if service_id == ETCD:
            await self.etcd_health()
        return self.info_now(service_id)

    async def infos(self) -> list[dict[str, Any]]:
        return [await self.info(service_id) for service_id in self.ids()]

    def resource_specs(self) -> list[tuple[str, dict[str, bool]]]:
        """(id, Services spec) of every running service, as machined's ServiceController keeps them."""
        out = []
        for service_id in self.ids():
            info = self.info_now(service_id)
            if info['state'] == 'Running':
                health = info['health']
                out.append((service_id, {'running': True, 'healthy': health.healthy, 'unknown': health.unknown}))
        return out


def services_of(machine: 'Machine') -> ServiceTable:
    table = _TABLES.get(machine)
    if table is None:
        table = _TABLES[machine] = ServiceTable(machine)
    table.sync()
    return table


def _timestamp(when: float) -> dict[str, int]:
    return {'seconds': int(when), 'nanos': int((when % 1) * 1e9)}


def _health_proto(health: Health) -> Any:
    return machine_pb2.ServiceHealth(unknown=health.unknown, healthy=health.healthy, last_message=health.message,
                                     last_change=_timestamp(health.changed) if health.changed else None)


def info_proto(info: dict[str, Any]) -> Any:
    """A service's plain data as machine.ServiceInfo."""
    return machine_pb2.ServiceInfo(
        id=info['id'], state=info['state'],
        events=machine_pb2.ServiceEvents(events=[machine_pb2.ServiceEvent(msg=msg, state=state, ts=_timestamp(when))
                                                 for msg, state, when in info['events']]),
        health=_health_proto(info['health']))
