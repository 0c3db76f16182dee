# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What happens to a machine across reboots: machined's sequences, the installed images, the boot stage.

Each machine has one ``Lifecycle`` (``lifecycle_of(machine)``): its event bus, MachineStatus stage,
the image it runs, the image the installer wrote for the next boot, the previous one (rollback),
the images pulled into its containerd and injected faults. Sequences (reboot, shutdown, reset,
upgrade) run in the background after the API call answered, publish Sequence/Phase/Task events with the
call's actor ID (MachineStatus events, on every change of stage or readiness, carry none), and take the
machine down and up through ``Machine.stop()``/``Machine.start()`` so that its shutdown and boot hooks run. One sequence runs at
a time, boot and maintenance (initialize) included, under machined's takeover rules (simulator.sequencer).
A failing task ends its sequence with a FATAL event and machined reboots. A rebooted machine is
away for ``REBOOT_DELAY`` seconds, comes back with a new boot ID, and reports stage ``booting`` (not
ready) for ``BOOT_SETTLE`` seconds before ``running``.

Extension points (for subsystems such as etcd): ``UPGRADE_CHECKS`` run before a legacy Upgrade of a
control plane is accepted (raise GRPCError to refuse, as Talos's etcd checks do); ``LEAVE_HOOKS`` are
a graceful reset's leaveEtcd task (raise TaskFailed to fail it); ``WIPE_HOOKS`` get the volumes a reset wipes;
``DRAIN_HOOKS`` are the cordonAndDrainNode task of a shutdown (unless forced), a graceful reset and a legacy
upgrade (simulator.kube.node_drain).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Union

from simulator import events, installer, secrets
from simulator.installer import InstallerImage
from simulator.per_machine import PerMachine
from simulator.sequencer import CANCELED_MESSAGE, LOCKED_MESSAGE, can_take_over
from simulator.tls import server_context

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

REBOOT_DELAY = 1.0  # seconds a rebooting machine is away (``up --reboot-delay``)
BOOT_SETTLE = 0.3  # seconds a freshly booted machine reports stage booting, not ready
STEP = 0.02  # seconds each task of a sequence takes
FATAL_COUNTDOWN = 0.5  # machined counts 10 s down before rebooting after a fatal sequence error (compressed)
BOOT_POLL = 0.1  # seconds between looks at whether the boot sequence's services are up (BOOT_WAITS)
STATUS_POLL = 0.2  # seconds between readiness recomputations (MachineStatusController's input changes)

UPGRADE_CHECKS: list[Callable[['Machine', Any], Awaitable[None]]] = []
# A graceful reset's leaveEtcd task (raise TaskFailed to fail the sequence) and the reset's wipe
# (with the set of volume labels wiped: EPHEMERAL holds etcd's data).
LEAVE_HOOKS: list[Callable[['Machine'], Awaitable[None]]] = []
WIPE_HOOKS: list[Callable[['Machine', frozenset[str]], Awaitable[None]]] = []
DRAIN_HOOKS: list[Callable[['Machine'], Awaitable[None]]] = []
# simulator.readiness registers these: the boot sequence ends (stage running) once every BOOT_WAITS
# predicate holds; READINESS computes (ready, unmet conditions) for a stage (MachineStatusController).
BOOT_WAITS: list[Callable[['Machine'], bool]] = []
READINESS: list[Callable[['Machine', str], tuple[bool, list[dict[str, str]]]]] = []

# Phases (name, tasks) of machined's sequences, as far as a client can observe them.
_STOP_ALL = [('denyNewServices', ['denyNewServices']), ('stopEverything', ['stopAllServices'])]
_GRACEFUL_STOP = [('cleanup', ['stopAllPods']), ('dbus', ['stopDBus'])] + _STOP_ALL
_UPGRADE_DRAINED = [('cleanup', ['stopAllPods']), ('dbus', ['stopDBus']), ('stopServices', ['stopServicesEphemeral']),
                    ('unmount', ['unmountPodMounts']), ('unmountSystem', ['unmountEphemeralPartition'])]
_UPGRADE_AFTER = [('meta', ['reloadMeta']), ('stopEverything', ['stopAllServices'])]
_BOOT_UNMET = [{'name': 'services', 'reason': 'waiting on: kubelet'}]

# Volumes a reset may name (ResetPartitionSpec.label); wiping STATE loses the machine config.
SYSTEM_VOLUMES = ('EFI', 'BOOT', 'META', 'STATE', 'EPHEMERAL')
USER_DISKS = ('/dev/sdb',)
SYSTEM_DISK = '/dev/sda'

Task = Union[str, tuple[str, Callable[[], Awaitable[None]]]]


class TaskFailed(Exception):
    """A sequence task's error (its text as Talos words it)."""


class SequenceError(Exception):
    """A sequence failed (the text after 'sequence failed: ')."""


_LIFECYCLES: 'PerMachine[Lifecycle]' = PerMachine('lifecycle', lambda machine: Lifecycle(machine))


def configure(reboot_delay: Optional[float] = None) -> None:
    """Fleet-wide settings from the command line."""
    global REBOOT_DELAY  # pylint: disable=global-statement  # set once at start-up
    if reboot_delay is not None:
        REBOOT_DELAY = reboot_delay


def lifecycle_of(machine: 'Machine') -> 'Lifecycle':
    lifecycle = _LIFECYCLES.of(machine)
    lifecycle.sync()
    return lifecycle


def new_actor_id() -> str:
    return str(uuid.uuid4())


def forget_configuration(machine: 'Machine') -> None:
    """The STATE volume is gone: the next boot is in maintenance mode, with a fresh maintenance certificate."""
    _ca, machine.server_cert = secrets.maintenance_certificate(machine.hostname, machine.address)
    machine.server_ssl = server_context(machine.server_cert.crt, machine.server_cert.key, None)
    machine.config_yaml = machine.persistent_yaml = None


class _StatusPolls:
    """MachineStatusController's inputs (services, time, the fleet's etcd health) have no events here, so every
    booted machine's status is looked at every STATUS_POLL seconds for the whole boot, all of them by one task of
    the event loop: a task per machine did the same, and on a 500-machine fleet its 2,500 wake-ups a second (a
    timer and a task step each) cost a third as much as the looks themselves."""

    def __init__(self) -> None:
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._task: Optional[asyncio.Future] = None
        self._watched: dict['Lifecycle', str] = {}  # lifecycle -> the boot whose status is looked at

    def watch(self, lifecycle: 'Lifecycle', boot_id: str) -> None:
        """Look at this boot's status from the next turn of the loop on, until the boot ends or the machine stops."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # another fleet's loop (tests run several): its machines went with it
            self._loop, self._task, self._watched = loop, None, {}
        self._watched[lifecycle] = boot_id
        loop.call_soon(self._look, lifecycle, boot_id)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def _look(self, lifecycle: 'Lifecycle', boot_id: str) -> None:
        if self._watched.get(lifecycle) != boot_id:
            return  # a newer boot of the machine is watched instead
        if not lifecycle.watching_status(boot_id):
            del self._watched[lifecycle]
            return
        try:
            lifecycle.refresh_status()
        except Exception:  # pylint: disable=broad-except  # one machine's failure must not stop the others' looks
            log.exception('%s: status poll failed', lifecycle.machine.name)
            del self._watched[lifecycle]

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(STATUS_POLL)
            for lifecycle, boot_id in list(self._watched.items()):
                self._look(lifecycle, boot_id)


_STATUS_POLLS = _StatusPolls()


class Lifecycle:
    """One machine's boot-to-boot state; see the module docstring."""

    def __init__(self, machine: 'Machine') -> None:
        self.machine = machine
        self.events = events.EventBus()
        self.boot_id = ''
        self.stage = 'booting'
        self.ready = False
        self.unmet: list[dict[str, str]] = []
        self.current: InstallerImage = installer.boot_image(machine.version, machine.boot_schematic, machine.platform,
                                                            machine.secureboot)
        self.pending: Optional[InstallerImage] = None  # written by the installer; boots next
        self.previous: Optional[InstallerImage] = None  # the other boot entry (rollback target)
        self.pulled: dict[str, InstallerImage] = {}
        self.pulled_at: dict[str, float] = {}  # tagged reference -> when it entered containerd (ImageService.List)
        self.pull_delay = 0.0  # seconds a pull of an image not yet present takes (``ctl pull-delay``)
        self.fail_next_upgrade = False
        self.hold = False  # the next power cycle leaves the machine down
        self.stall_next = 0.0  # seconds the next sequence's first task takes (``ctl stall``)
        self.sequence: Optional[str] = None  # the sequence holding machined's lock (boot and initialize too)
        self.sequence_actor = ''
        self._sequence_task: Optional[asyncio.Future] = None
        self._going_down = False  # past the reboot/shutdown task: nothing can take over any more
        self.installed = machine.configured  # Talos is on the system disk (a maintenance fleet boots from ISO)
        self.installing = False  # LifecycleService's one-at-a-time lock
        self._rebooting = False
        self._phase_number = 0
        self.same_boot = False  # apid restarting within one boot (leaving maintenance on an installed machine)
        self._tasks: set[asyncio.Future] = set()
        self._published: Optional[tuple[str, bool, list[dict[str, str]]]] = None  # last MachineStatusEvent

    # -- boots -------------------------------------------------------------------------------

    @property
    def settled_stage(self) -> str:
        return 'running' if self.machine.configured else 'maintenance'

    def sync(self) -> None:
        """Notice a boot that happened outside a sequence (``ctl start``) and start its history."""
        if self.machine.running and self.boot_id != self.machine.boot_id and not self.same_boot:
            self._new_boot(settle_later=self._rebooting)

    def _new_boot(self, settle_later: bool) -> None:
        self.boot_id = self.machine.boot_id
        self.events = events.EventBus()
        self._published = None
        self.sequence, self.sequence_actor, self._sequence_task, self._going_down = None, '', None, False
        _STATUS_POLLS.watch(self, self.boot_id)
        self.events.publish(events.sequence('initialize', 'START'))
        if not self.machine.configured:
            self._wait_for_config()
            return
        self.events.publish(events.sequence('initialize', 'STOP'))
        self._begin_boot(settle_later)

    def _wait_for_config(self) -> None:
        """Maintenance mode is the initialize sequence waiting in its loadConfig task, holding the lock
        (internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer.go:Initialize @ v1.13.9;
        stage maintenance from the runningMaintenance task:
        internal/app/machined/pkg/controllers/runtime/machine_status.go:watchEvents @ v1.13.9)."""
        self.sequence = 'initialize'
        self.events.publish(events.task('runningMaintenance', 'START'))
        self.set_stage('maintenance', True)

    def leave_maintenance(self) -> None:
        """A complete config arrived: initialize ends; an installed machine boots on, else the install
        sequence installs and reboots (internal/app/machined/main.go:run and
        v1alpha1_sequencer.go:Install, which is empty when Talos is installed @ v1.13.9)."""
        self.events.publish(events.task('runningMaintenance', 'STOP'))
        self.events.publish(events.sequence('initialize', 'STOP'))
        self.sequence = None
        if self.installed:
            self.sequence = 'boot'  # held from here: nothing may slip in while apid restarts
            self.spawn(self._continue_boot())
        else:
            self.begin('install', '', self.install_sequence)

    async def _continue_boot(self) -> None:
        """Same boot, configured now: apid restarts with the config's certificates (connections drop), the boot
        ID stays (internal/app/machined/pkg/controllers/config/acquire.go:stateMaintenanceLeave @ v1.13.9)."""
        machine, boot_id = self.machine, self.boot_id
        await asyncio.sleep(STEP * 5)  # the apply's reply goes out first
        self.same_boot = True
        try:
            await machine.stop(graceful=True)
            await machine.start()
        finally:
            self.same_boot = False
        machine.boot_id = self.boot_id = boot_id
        self._begin_boot(settle_later=True)

    def _begin_boot(self, settle_later: bool) -> None:
        """The boot sequence: holds the lock until the machine runs (reboot, reset, upgrade may take over)."""
        self.sequence, self.sequence_actor = 'boot', ''
        self.events.publish(events.sequence('boot', 'START'))
        self.set_stage('booting', False, _BOOT_UNMET if self.machine.configured else [])
        if settle_later or not all(wait(self.machine) for wait in BOOT_WAITS):
            self.spawn(self._settle(self.boot_id, BOOT_SETTLE if settle_later else 0.0))
        else:
            self._finish_boot()

    def _finish_boot(self) -> None:
        log.info('%s: boot sequence: done', self.machine.name)  # as machined logs it (see ``begin``)
        self.sequence = None
        self.events.publish(events.sequence('boot', 'STOP'))
        self.set_stage(self.settled_stage, True)

    async def _settle(self, boot_id: str, delay: float = BOOT_SETTLE) -> None:
        await asyncio.sleep(delay)
        while self.machine.running and self.boot_id == boot_id and not all(wait(self.machine) for wait in BOOT_WAITS):
            await asyncio.sleep(BOOT_POLL)
        if self.machine.running and self.boot_id == boot_id and self.sequence == 'boot':
            self._finish_boot()

    def set_stage(self, stage: str, ready: bool, unmet: Optional[list[dict[str, str]]] = None,
                  actor_id: str = '') -> None:
        """The stage changes (from sequence events, as MachineStatusController.watchEvents follows them); readiness
        is recomputed and a changed status published. ``actor_id`` is not carried: see ``refresh_status``."""
        del actor_id
        for compute in READINESS:
            ready, unmet = compute(self.machine, stage)
        self.stage, self.ready, self.unmet = stage, ready, list(unmet or [])
        self._publish_status()
        self.machine.on_change()

    def refresh_status(self) -> None:
        """Recompute readiness for the current stage; publish when it changed (see ``_publish_status``)."""
        if self.stage == 'unknown' or not self.machine.running:
            return
        for compute in READINESS:
            self.ready, self.unmet = compute(self.machine, self.stage)
        self._publish_status()

    def _publish_status(self) -> None:
        """MachineStatusController rewrites the MachineStatus resource on every input change and the publisher
        sends a MachineStatusEvent for each resulting change of the resource — stage or readiness — from its
        controller context, so without an actor ID
        (internal/app/machined/pkg/controllers/runtime/machine_status.go:MachineStatusController.Run,
        machine_status_publisher.go:MachineStatusPublisherController.Run @ v1.13.9). An unchanged status
        publishes nothing."""
        status = (self.stage, self.ready, [dict(item) for item in self.unmet])
        if status == self._published:
            return
        self._published = status
        self.events.publish(events.machine_status(self.stage, self.ready, self.unmet), '')

    def watching_status(self, boot_id: str) -> bool:
        """Whether the status of this boot is still looked at (simulator.lifecycle's _StatusPolls)."""
        return self.boot_id == boot_id and (self.machine.running or self.same_boot)

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Future:
        """Run a sequence in the background (kept referenced until it ends)."""
        future = asyncio.ensure_future(coro)
        self._tasks.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: asyncio.Future) -> None:
        self._tasks.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error('%s: sequence failed: %r', self.machine.name, future.exception())

    async def power_cycle(self, come_back: bool = True) -> None:
        """Go down (shutdown hooks run), boot the next image after REBOOT_DELAY (boot hooks run)."""
        machine = self.machine
        self._going_down = True
        await self.events.drained()
        await machine.stop(graceful=True)  # apid's GracefulStop (simulator.transport)
        if self.pending is not None:
            self.previous, self.current, self.pending = self.current, self.pending, None
            machine.version = self.current.version
        self.stage, self.ready, self.sequence = 'unknown', False, None
        if not come_back:
            return
        await asyncio.sleep(REBOOT_DELAY)
        if self.hold:
            self.hold = False
            log.info('%s: held down after reboot (ctl start brings it back)', machine.name)
            return
        self._rebooting = True
        try:
            await machine.start()
            self.sync()
        finally:
            self._rebooting = False

    # -- sequences ---------------------------------------------------------------------------

    def try_lock(self, name: str, actor_id: str, takeover: bool = False) -> bool:
        """Take machined's sequence lock by its priority rules (simulator.sequencer); a refused request
        publishes the LOCKED event (no actor ID) and the running sequence goes on."""
        running = self.sequence
        if running is not None and self._going_down:
            # Past its reboot/poweroff task the running sequence never lets go: Lock waits, then the machine
            # is gone (v1alpha1_priority_lock.go:Lock @ v1.13.9).
            return False
        if not (takeover or can_take_over(self.machine.version, name, running)):
            self.events.publish(events.sequence(name, 'NOOP', LOCKED_MESSAGE, 'LOCKED'), '')
            return False
        if running is not None:
            self._cancel_running(running)
        self.sequence, self.sequence_actor = name, actor_id
        return True

    def _cancel_running(self, running: str) -> None:
        """The taken-over sequence's context is canceled: it ends with a CANCELED error event
        (v1alpha1_controller.go:Run @ v1.13.9); boot and initialize have no background task here."""
        task, self._sequence_task = self._sequence_task, None
        if task is not None and not task.done():
            task.cancel()
        self.events.publish(events.sequence(running, 'NOOP', CANCELED_MESSAGE, 'CANCELED'), self.sequence_actor)

    def begin(self, name: str, actor_id: str, body: Callable[[], Awaitable[None]], takeover: bool = False) -> bool:
        """Start sequence ``name`` in the background if the lock allows it (``body()`` runs its phases)."""
        if not self.try_lock(name, actor_id, takeover):
            return False
        # machined logs each sequence it runs as it starts and ends it
        # (v1alpha1_controller.go:Controller.run @ v1.14.0-rc.1): the time from here until the machine goes down is
        # Talos's own (bench/rolling_upgrade.py reads it).
        log.info('%s: %s sequence: started', self.machine.name, name)
        self._sequence_task = self.spawn(self._run(name, actor_id, body))
        return True

    async def _run(self, name: str, actor_id: str, body: Callable[[], Awaitable[None]]) -> None:
        self._phase_number = 0
        try:
            await body()
        except asyncio.CancelledError:
            pass  # taken over (_cancel_running told)
        except SequenceError as exc:
            await self._fatal(name, actor_id, str(exc))

    async def _fatal(self, name: str, actor_id: str, error: str) -> None:
        """A failed task: FATAL sequence event, stage rebooting, and machined reboots after its countdown
        (v1alpha1_controller.go:Run, machine_status.go (NOOP + FATAL -> rebooting), main.go:handle @ v1.13.9)."""
        self.events.publish(events.sequence(name, 'NOOP', 'sequence failed: ' + error, 'FATAL'), actor_id)
        self.set_stage('rebooting', False, actor_id=actor_id)
        log.info('%s: %s sequence failed (%s); rebooting', self.machine.name, name, error)
        self._going_down = True
        await asyncio.sleep(FATAL_COUNTDOWN)
        await self.power_cycle()

    async def run_phases(self, phases: list[tuple[str, list[Task]]], actor_id: str) -> None:
        """Phases of (name, tasks); a task is a name, or (name, coroutine function) whose TaskFailed fails the
        sequence with machined's wording (v1alpha1_controller.go:runPhase/runTask @ v1.13.9)."""
        for phase, tasks in phases:
            self._phase_number += 1
            self.events.publish(events.phase(phase, 'START'), actor_id)
            for number, task in enumerate(tasks, 1):
                name, action = (task, None) if isinstance(task, str) else task
                self.events.publish(events.task(name, 'START'), actor_id)
                stall, self.stall_next = self.stall_next, 0.0
                await asyncio.sleep(STEP + stall)
                if action is not None:
                    try:
                        await action()
                    except TaskFailed as exc:
                        raise SequenceError('error running phase %d in %s sequence: task %d/%d: failed, %s' % (
                            self._phase_number, self.sequence, number, len(tasks), exc)) from None
                self.events.publish(events.task(name, 'STOP'), actor_id)
            self.events.publish(events.phase(phase, 'STOP'), actor_id)

    async def reboot(self, actor_id: str, force: bool = False) -> None:
        self.events.publish(events.sequence('reboot', 'START'), actor_id)
        self.set_stage('rebooting', False, actor_id=actor_id)
        await self.run_phases(([] if force else _GRACEFUL_STOP) + [('reboot', ['reboot'])], actor_id)
        await self.power_cycle()

    async def install_sequence(self) -> None:
        """Maintenance mode got its first config on a machine without Talos on disk: install, then reboot
        (v1alpha1_sequencer.go:Install; stage installing: machine_status.go @ v1.13.9)."""
        self.events.publish(events.sequence('install', 'START'))
        self.events.publish(events.phase('install', 'START'))
        self.set_stage('installing', False)
        self.events.publish(events.phase('install', 'STOP'))
        self.installed = True
        await self.run_phases([('saveMeta', ['flushMeta']), ('stopEverything', ['stopAllServices']),
                               ('reboot', ['reboot'])], '')
        await self.power_cycle()

    async def shutdown(self, actor_id: str, force: bool) -> None:
        self.events.publish(events.sequence('shutdown', 'START'), actor_id)
        self.set_stage('shutting down', False, actor_id=actor_id)
        drain = [] if force else [self._drain_phase()]
        await self.run_phases([('storeShutdown', ['storeShutdownEmergency'])] + drain + _GRACEFUL_STOP
                              + [('shutdown', ['shutdown'])], actor_id)
        await self.power_cycle(come_back=False)

    async def reset(self, actor_id: str, request: Any, wiped: frozenset[str]) -> None:
        """v1alpha1_sequencer.go:Reset @ v1.13.9: leaveEtcd only when graceful on a control plane; what is
        wiped decides what survives (EPHEMERAL holds etcd's data, STATE the config, BOOT/EFI the install)."""
        self.events.publish(events.sequence('reset', 'START'), actor_id)
        self.set_stage('resetting', False, actor_id=actor_id)
        phases: list[tuple[str, list[Task]]] = []
        if request.graceful:
            phases += [self._drain_phase(), ('cleanup', ['removeAllPods'])]
        else:
            phases += [('cleanup', ['stopAllPods'])]
        phases += [('dbus', ['stopDBus'])]
        if request.graceful and self.machine.planned_type != 'worker':
            phases += [('leave', [('leaveEtcd', self._leave_etcd)])]
        phases += [('preReset', ['sendResetSignal'])] + _STOP_ALL + [('forceCleanup', ['forceCleanup'])]

        async def wipe() -> None:
            for hook in WIPE_HOOKS:
                await hook(self.machine, wiped)

        if request.mode != request.USER_DISKS:
            phases.append(('resetSpec', [('resetSystemDiskSpec', wipe)]) if request.system_partitions_to_wipe
                          else ('reset', [('resetSystemDisk', wipe)]))
        if request.user_disks_to_wipe:
            phases.append(('resetUserDisks', ['resetUserDisks']))
        phases.append(('reboot', ['reboot']) if request.reboot else ('shutdown', ['shutdown']))
        await self.run_phases(phases, actor_id)
        if 'STATE' in wiped:
            forget_configuration(self.machine)
            self.previous = self.pending = None
        if wiped & {'BOOT', 'EFI'}:
            self.installed = False  # no bootloader left: the next boot is from the ISO/PXE again
        await self.power_cycle(come_back=request.reboot)

    def _drain_phase(self) -> tuple[str, list[Task]]:
        async def cordon_and_drain() -> None:
            for hook in DRAIN_HOOKS:
                await hook(self.machine)
        return 'drain', [('cordonAndDrainNode', cordon_and_drain)]

    async def _leave_etcd(self) -> None:
        for hook in LEAVE_HOOKS:
            await hook(self.machine)

    async def upgrade(self, actor_id: str, image: InstallerImage, stage: bool) -> None:
        """The legacy (MachineService.Upgrade) sequence: install in place, then reboot into the new image."""
        name = 'stageUpgrade' if stage else 'upgrade'
        self.events.publish(events.sequence(name, 'START'), actor_id)
        self.set_stage('rebooting' if stage else 'upgrading', False, actor_id=actor_id)

        async def run_installer() -> None:
            lines, exit_code = self.install(image)
            if exit_code:
                raise TaskFailed('failed to run installer: exit code %d: %s' % (exit_code, lines[-1]))

        before = _GRACEFUL_STOP + [('reboot', ['reboot'])] if stage else (  # staged: early next boot
            [('denyNewServices', ['denyNewServices']), self._drain_phase()] + _UPGRADE_DRAINED)
        await self.run_phases(before + [('upgrade', [('upgrade', run_installer)])]
                              + ([] if stage else _UPGRADE_AFTER), actor_id)
        await self.power_cycle()

    def install(self, image: InstallerImage) -> tuple[list[str], int]:
        """Run the installer: (its output, exit code); on success the image boots next."""
        failing, self.fail_next_upgrade = self.fail_next_upgrade, False
        lines, exit_code = installer.run(self.machine.version, self.pending or self.current, image, fail=failing)
        if exit_code == 0:
            self.pending = image
        return lines, exit_code

    async def rollback(self) -> None:
        """Boot the previous image again: the boot entries swap, then a reboot (no actor ID in Talos)."""
        assert self.previous is not None
        self.pending = self.previous
        await self.reboot('')

    # -- containerd --------------------------------------------------------------------------

    async def pull(self, reference: str) -> tuple[InstallerImage, bool]:
        """(image, already present); ImageNotFound for references no registry serves. A new image takes
        ``pull_delay`` seconds to arrive, and is only in containerd once it has."""
        known = self.pulled.get(reference.strip())
        if known is not None:
            return known, True
        image = installer.resolve(reference)
        # Talos's image pull (images.go:Service.Pull @ v1.14.0-rc.1) has no line of its own at info level (the
        # containerd pull logs at debug); these two let a reader of the log tell the pull's time apart.
        log.info('%s: image pull: started (%s)', self.machine.name, image.reference)
        if self.pull_delay:
            await asyncio.sleep(self.pull_delay)
        self.pulled[image.reference] = self.pulled[image.pinned] = image
        log.info('%s: image pull: done (%s)', self.machine.name, image.pinned)
        self.pulled_at.setdefault(image.reference, time.time())
        return image, False

    def images(self) -> list[tuple[InstallerImage, float]]:
        """Images in containerd, as pulled (one record per tagged name), oldest first."""
        return [(self.pulled[name], at) for name, at in sorted(self.pulled_at.items(), key=lambda item: item[1])]

    def stored_image(self, reference: str) -> Optional[InstallerImage]:
        return self.pulled.get(reference.strip())
