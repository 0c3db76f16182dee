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

The container runtime is not up at once: on a configured boot ``cri`` (and ``kubelet``, which needs it)
stay ``Preparing`` for ``CRI_DELAY`` seconds (``up --bootstrap-delay``), as machined starts CRI in the
boot sequence's ``startAllServices`` after the machine is up
(internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go:StartAllServices @ v1.13.9).
Bootstrap is refused meanwhile (simulator.readiness). etcd's health is probed periodically while the
machine runs, as machined's service health checker does, so that readiness reads a current value.

A change of the KubeletSpec (here: the config's kubelet image, simulator.resources) restarts the kubelet, as
``internal/app/machined/pkg/controllers/k8s/kubelet_service.go:KubeletServiceController.Run @ v1.14.0-rc.1``
does on every change of its inputs: the service is stopped (Finished) and started again; talos-sim keeps it
stopped for KUBELET_RESTART seconds (writing its PKI, kubeconfig and certificates) so that a reader sees it
down: no Services resource, and the Node not posting meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from simulator.api import machine_pb2
from simulator.etcd_gateway import EtcdError
from simulator.kube.settings import kube_config_of
from simulator.lifecycle import lifecycle_of
from simulator.per_machine import PerMachine

if TYPE_CHECKING:
    from simulator.machine import Machine

ETCD = 'etcd'
KUBELET = 'kubelet'
EXTENSION_PREFIX = 'ext-'
CRI = 'cri'
HEALTH_TIMEOUT = 1.0
ETCD_HEALTH_TTL = 1.0  # seconds a probed etcd health is reused
CRI_DELAY = 1.0  # seconds after a configured boot until CRI is up (``up --bootstrap-delay``)
KUBELET_RESTART = 0.5  # seconds a kubelet restarted for a new KubeletSpec stays stopped
_NEEDS_CRI = (CRI, KUBELET)  # services that wait for the container runtime

# Services by machine kind (Talos 1.12-1.14 on metal); maintenance runs no Kubernetes or etcd.
_MAINTENANCE = ('apid', 'auditd', 'containerd', 'machined', 'syslogd', 'udevd')
_WORKER = ('apid', 'auditd', 'containerd', 'cri', KUBELET, 'machined', 'syslogd', 'udevd')
_CONTROLPLANE = ('apid', 'auditd', 'containerd', 'cri', ETCD, KUBELET, 'machined', 'syslogd', 'trustd', 'udevd')
_HEALTH_CHECKED = frozenset(('apid', 'containerd', 'cri', ETCD, KUBELET, 'machined', 'trustd'))

_TABLES: 'PerMachine[ServiceTable]' = PerMachine('services', lambda machine: ServiceTable(machine))
_PIDS = iter(range(1200, 1 << 22))


def configure(bootstrap_delay: Optional[float] = None) -> None:
    """Fleet-wide settings from the command line."""
    global CRI_DELAY  # pylint: disable=global-statement  # set once at start-up
    if bootstrap_delay is not None:
        CRI_DELAY = bootstrap_delay


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

    def begin(self, when: Optional[float] = None) -> None:
        """The start up to the pre state (where a service waits for what it depends on)."""
        for state, message in (('Starting', 'Starting service'), ('Preparing', 'Running pre state')):
            self.record(state, message, when)

    def start(self, when: Optional[float] = None) -> None:
        if self.state != 'Preparing':
            self.begin(when)
        started = 'Started task %s (PID %d) for container %s' % (self.id, next(_PIDS), self.id)
        for state, message in (('Preparing', 'Creating service runner'), ('Running', started)):
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
        self.cri_due = 0.0  # when the waiting CRI-dependent services of this boot start
        self.kubelet_image = ''  # the KubeletSpec image the kubelet of this boot was last (re)started for
        self._kubelet_due = 0.0  # when a kubelet stopped for a new KubeletSpec starts again (0: none pending)
        self._waiting: list[str] = []
        self._prober: Optional[asyncio.Future] = None

    def sync(self) -> None:
        """A new boot (or a configuration change) starts the services afresh."""
        machine = self.machine
        kind = (machine.configured, machine.planned_type)
        if self.boot_id == (machine.boot_id, kind):
            self._catch_up()
            return
        self.boot_id = (machine.boot_id, kind)  # type: ignore[assignment]
        if not machine.configured:
            ids: tuple[str, ...] = _MAINTENANCE
        else:
            ids = _CONTROLPLANE if machine.planned_type == 'controlplane' else _WORKER
        self.services = {}
        self._waiting = []
        self.cri_due = machine.booted_at + (CRI_DELAY if machine.configured else 0.0)
        self.kubelet_image = kube_config_of(machine).images['kubelet'] if machine.configured else ''
        self._kubelet_due = 0.0
        for service_id in list(ids) + self.extensions:
            if service_id == ETCD:
                continue
            service = SimService(service_id)
            if service_id in _NEEDS_CRI and machine.configured:
                service.begin(machine.booted_at)
                self._waiting.append(service_id)
            else:
                service.start(machine.booted_at)
            self.services[service_id] = service
        self._catch_up()
        self._start_prober()

    def _catch_up(self) -> None:
        """Start the services that waited for CRI once their time has come, follow the KubeletSpec (looked at
        whenever the table is read)."""
        self._follow_kubelet_spec()
        if not self._waiting or time.time() < self.cri_due:
            return
        waiting, self._waiting = self._waiting, []
        for service_id in waiting:
            service = self.services.get(service_id)
            if service is not None and service.state == 'Preparing':
                service.start(self.cri_due)
                self._publish(service_id)

    def _follow_kubelet_spec(self) -> None:
        """KubeletServiceController: a new spec stops the kubelet (when it runs) and starts it again."""
        service = self.services.get(KUBELET)
        if service is None or not self.machine.configured:
            return
        now = time.time()
        if self._kubelet_due and now >= self._kubelet_due:
            when, self._kubelet_due = self._kubelet_due, 0.0
            service.start(when)
            self._publish(KUBELET)
        image = kube_config_of(self.machine).images['kubelet']
        if image == self.kubelet_image:
            return
        self.kubelet_image = image
        if KUBELET in self._waiting:
            return  # not started yet in this boot: it starts with the new spec
        if service.running:
            service.stop()
            self._publish(KUBELET)
        self._kubelet_due = now + KUBELET_RESTART

    @property
    def var_ready(self) -> bool:
        """/var (EPHEMERAL) mounted: early in a configured boot, before CRI — modelled as halfway to CRI_DELAY."""
        return self.machine.configured and time.time() >= self.machine.booted_at + CRI_DELAY / 2

    @property
    def cri_up(self) -> bool:
        """CRI running (machined's IsBootstrapAllowed condition)."""
        self._catch_up()
        service = self.services.get(CRI)
        return service is not None and service.running

    def _start_prober(self) -> None:
        """Probe etcd's health every ETCD_HEALTH_TTL seconds while this boot lasts (machined's health checker)."""
        if self.etcd is None or (self._prober is not None and not self._prober.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._prober = loop.create_task(self._probe(self.machine.boot_id))

    async def _probe(self, boot_id: str) -> None:
        while self.machine.running and self.machine.boot_id == boot_id:
            try:
                await self.etcd_health()
            except Exception:  # pylint: disable=broad-except  # a probe failure must not end the prober
                pass
            await asyncio.sleep(ETCD_HEALTH_TTL)

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
            self._etcd_health = (0.0, Health())  # a restarted member is unknown until probed again
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

    def _state_and_health(self, service_id: str) -> tuple[str, Health]:
        """A service's state and health, etcd's as last probed (no I/O)."""
        if service_id == ETCD:
            member = self.etcd
            return member.state, self._etcd_health[1] if member.state == 'Running' else Health()
        service = self.services[service_id]
        return service.state, service.health

    def info_now(self, service_id: str) -> dict[str, Any]:
        """A service as plain data, with etcd's last probed health (no I/O)."""
        state, health = self._state_and_health(service_id)
        source = self.etcd if service_id == ETCD else self.services[service_id]
        return {'id': service_id, 'state': state, 'events': list(source.events), 'health': health}

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
            state, health = self._state_and_health(service_id)
            if state == 'Running':
                out.append((service_id, {'running': True, 'healthy': health.healthy, 'unknown': health.unknown}))
        return out

    def etcd_healthy(self) -> bool:
        """What ``resource_specs`` says of etcd: running and healthy (every machine's readiness asks, often)."""
        if self.etcd is None:
            return False
        state, health = self._state_and_health(ETCD)
        return state == 'Running' and health.healthy


def services_of(machine: 'Machine') -> ServiceTable:
    table = _TABLES.of(machine)
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
