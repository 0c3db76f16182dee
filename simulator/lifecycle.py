# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What happens to a machine across reboots: machined's sequences, the installed images, the boot stage.

Each machine has one ``Lifecycle`` (``lifecycle_of(machine)``): its event bus, MachineStatus stage,
the image it runs, the image the installer wrote for the next boot, the previous one (rollback),
the images pulled into its containerd and injected faults. Sequences (reboot, shutdown, reset,
upgrade) run in the background after the API call answered, publish Sequence/Phase/Task and
MachineStatus events with the call's actor ID, and take the machine down and up through
``Machine.stop()``/``Machine.start()`` so that its shutdown and boot hooks run. A rebooted machine is
away for ``REBOOT_DELAY`` seconds, comes back with a new boot ID, and reports stage ``booting`` (not
ready) for ``BOOT_SETTLE`` seconds before ``running``.

Extension points (for subsystems such as etcd): ``UPGRADE_CHECKS`` run before a legacy Upgrade of a
control plane is accepted (raise GRPCError to refuse, as Talos's etcd checks do); ``RESET_HOOKS``
run during a reset, before the machine goes down, with the request's ``graceful`` flag.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils._tls import server_context

from simulator import events, installer, secrets
from simulator.installer import InstallerImage

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

REBOOT_DELAY = 1.0  # seconds a rebooting machine is away (``up --reboot-delay``)
BOOT_SETTLE = 0.3  # seconds a freshly booted machine reports stage booting, not ready
STEP = 0.02  # seconds each task of a sequence takes

UPGRADE_CHECKS: list[Callable[['Machine', Any], Awaitable[None]]] = []
RESET_HOOKS: list[Callable[['Machine', bool], Awaitable[None]]] = []

# Phases (name, tasks) of machined's sequences, as far as a client can observe them.
_STOP_ALL = [('denyNewServices', ['denyNewServices']), ('stopEverything', ['stopAllServices'])]
_GRACEFUL_STOP = [('cleanup', ['stopAllPods']), ('dbus', ['stopDBus'])] + _STOP_ALL
_UPGRADE_BEFORE = [('denyNewServices', ['denyNewServices']), ('drain', ['cordonAndDrainNode']),
                   ('cleanup', ['stopAllPods']), ('dbus', ['stopDBus']), ('stopServices', ['stopServicesEphemeral']),
                   ('unmount', ['unmountPodMounts']), ('unmountSystem', ['unmountEphemeralPartition'])]
_UPGRADE_AFTER = [('meta', ['reloadMeta']), ('stopEverything', ['stopAllServices'])]
_BOOT_UNMET = [{'name': 'services', 'reason': 'waiting on: kubelet'}]

# Volumes a reset may name (ResetPartitionSpec.label); wiping STATE loses the machine config.
SYSTEM_VOLUMES = ('EFI', 'BOOT', 'META', 'STATE', 'EPHEMERAL')
USER_DISKS = ('/dev/sdb',)
SYSTEM_DISK = '/dev/sda'

_LIFECYCLES: 'weakref.WeakKeyDictionary[Machine, Lifecycle]' = weakref.WeakKeyDictionary()


def configure(reboot_delay: Optional[float] = None) -> None:
    """Fleet-wide settings from the command line."""
    global REBOOT_DELAY  # pylint: disable=global-statement  # set once at start-up
    if reboot_delay is not None:
        REBOOT_DELAY = reboot_delay


def lifecycle_of(machine: 'Machine') -> 'Lifecycle':
    lifecycle = _LIFECYCLES.get(machine)
    if lifecycle is None:
        lifecycle = _LIFECYCLES[machine] = Lifecycle(machine)
    lifecycle.sync()
    return lifecycle


def new_actor_id() -> str:
    return str(uuid.uuid4())


def forget_configuration(machine: 'Machine') -> None:
    """The STATE volume is gone: the next boot is in maintenance mode, with a fresh maintenance certificate."""
    _ca, machine.server_cert = secrets.maintenance_certificate(machine.hostname, machine.address)
    machine.server_ssl = server_context(machine.server_cert.crt, machine.server_cert.key, None)
    machine.config_yaml = machine.persistent_yaml = None


class Lifecycle:
    """One machine's boot-to-boot state; see the module docstring."""

    def __init__(self, machine: 'Machine') -> None:
        self.machine = machine
        self.events = events.EventBus()
        self.boot_id = ''
        self.stage = 'booting'
        self.ready = False
        self.unmet: list[dict[str, str]] = []
        self.current: InstallerImage = installer.default_image(machine.version)
        self.pending: Optional[InstallerImage] = None  # written by the installer; boots next
        self.previous: Optional[InstallerImage] = None  # the other boot entry (rollback target)
        self.pulled: dict[str, InstallerImage] = {}
        self.fail_next_upgrade = False
        self.hold = False  # the next power cycle leaves the machine down
        self.sequence: Optional[str] = None
        self.installing = False  # LifecycleService's one-at-a-time lock
        self._rebooting = False
        self._tasks: set[asyncio.Future] = set()

    # -- boots -------------------------------------------------------------------------------

    @property
    def settled_stage(self) -> str:
        return 'running' if self.machine.configured else 'maintenance'

    def sync(self) -> None:
        """Notice a boot that happened outside a sequence (``ctl start``) and start its history."""
        if self.machine.running and self.boot_id != self.machine.boot_id:
            self._new_boot(settle_later=self._rebooting)

    def _new_boot(self, settle_later: bool) -> None:
        self.boot_id = self.machine.boot_id
        self.events = events.EventBus()
        self.sequence = None
        self.events.publish(events.sequence('initialize', 'START'))
        self.events.publish(events.sequence('initialize', 'STOP'))
        self.events.publish(events.sequence('boot', 'START'))
        self.set_stage('booting', False, _BOOT_UNMET if self.machine.configured else [])
        if settle_later:
            self.spawn(self._settle(self.boot_id))
        else:
            self._finish_boot()

    def _finish_boot(self) -> None:
        self.events.publish(events.sequence('boot', 'STOP'))
        self.set_stage(self.settled_stage, True)

    async def _settle(self, boot_id: str) -> None:
        await asyncio.sleep(BOOT_SETTLE)
        if self.machine.running and self.boot_id == boot_id and self.sequence is None:
            self._finish_boot()

    def set_stage(self, stage: str, ready: bool, unmet: Optional[list[dict[str, str]]] = None,
                  actor_id: str = '') -> None:
        self.stage, self.ready, self.unmet = stage, ready, list(unmet or [])
        self.events.publish(events.machine_status(stage, ready, self.unmet), actor_id)
        self.machine.on_change()

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a sequence in the background (kept referenced until it ends)."""
        future = asyncio.ensure_future(coro)
        self._tasks.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future) -> None:
        self._tasks.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error('%s: sequence failed: %r', self.machine.name, future.exception())

    async def power_cycle(self, come_back: bool = True) -> None:
        """Go down (shutdown hooks run), boot the next image after REBOOT_DELAY (boot hooks run)."""
        machine = self.machine
        await self.events.drained()
        await machine.stop()
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

    def try_lock(self, name: str, actor_id: str) -> bool:
        """Take the sequence lock; a busy machine publishes Talos's 'locked' sequence error instead."""
        if self.sequence is not None:
            self.events.publish(events.sequence(name, 'NOOP', 'sequence not started: locked', 'LOCKED'), actor_id)
            return False
        self.sequence = name
        return True

    async def run_phases(self, phases: list[tuple[str, list[str]]], actor_id: str) -> None:
        for phase, tasks in phases:
            self.events.publish(events.phase(phase, 'START'), actor_id)
            for task in tasks:
                self.events.publish(events.task(task, 'START'), actor_id)
                await asyncio.sleep(STEP)
                self.events.publish(events.task(task, 'STOP'), actor_id)
            self.events.publish(events.phase(phase, 'STOP'), actor_id)

    async def reboot(self, actor_id: str, force: bool = False, sequence: str = 'reboot') -> None:
        self.events.publish(events.sequence(sequence, 'START'), actor_id)
        self.set_stage('rebooting', False, actor_id=actor_id)
        await self.run_phases(([] if force else _GRACEFUL_STOP) + [('reboot', ['reboot'])], actor_id)
        await self.power_cycle()

    async def shutdown(self, actor_id: str, force: bool) -> None:
        self.events.publish(events.sequence('shutdown', 'START'), actor_id)
        self.set_stage('shutting down', False, actor_id=actor_id)
        drain = [] if force else [('drain', ['cordonAndDrainNode'])]
        await self.run_phases([('storeShutdown', ['storeShutdownEmergency'])] + drain + _GRACEFUL_STOP
                              + [('shutdown', ['shutdown'])], actor_id)
        await self.power_cycle(come_back=False)

    async def reset(self, actor_id: str, request: Any, wipes_state: bool) -> None:
        self.events.publish(events.sequence('reset', 'START'), actor_id)
        self.set_stage('resetting', False, actor_id=actor_id)
        phases: list[tuple[str, list[str]]] = []
        if request.graceful:
            phases += [('drain', ['cordonAndDrainNode']), ('cleanup', ['removeAllPods'])]
        else:
            phases += [('cleanup', ['stopAllPods'])]
        phases += [('dbus', ['stopDBus'])]
        if request.graceful and self.machine.planned_type != 'worker':
            phases += [('leave', ['leaveEtcd'])]
        phases += [('preReset', ['sendResetSignal'])] + _STOP_ALL + [('forceCleanup', ['forceCleanup'])]
        await self.run_phases(phases, actor_id)
        for hook in RESET_HOOKS:
            await hook(self.machine, request.graceful)
        wipe = []
        if request.mode != request.USER_DISKS:
            wipe.append(('resetSpec', ['resetSystemDiskSpec']) if request.system_partitions_to_wipe
                        else ('reset', ['resetSystemDisk']))
        if request.user_disks_to_wipe:
            wipe.append(('resetUserDisks', ['resetUserDisks']))
        await self.run_phases(wipe + [('reboot', ['reboot']) if request.reboot else ('shutdown', ['shutdown'])],
                              actor_id)
        if wipes_state:
            forget_configuration(self.machine)
            self.previous = self.pending = None
        await self.power_cycle(come_back=request.reboot)

    async def upgrade(self, actor_id: str, image: InstallerImage, stage: bool) -> None:
        """The legacy (MachineService.Upgrade) sequence: install in place, then reboot into the new image."""
        name = 'stageUpgrade' if stage else 'upgrade'
        self.events.publish(events.sequence(name, 'START'), actor_id)
        self.set_stage('rebooting' if stage else 'upgrading', False, actor_id=actor_id)
        if stage:  # the install happens early in the next boot
            await self.run_phases(_GRACEFUL_STOP + [('reboot', ['reboot'])], actor_id)
        else:
            await self.run_phases(_UPGRADE_BEFORE, actor_id)
        self.events.publish(events.phase('upgrade', 'START'), actor_id)
        self.events.publish(events.task('upgrade', 'START'), actor_id)
        lines, exit_code = self.install(image)
        if exit_code:
            index = len(_UPGRADE_BEFORE) + 1
            self.events.publish(events.sequence(
                name, 'NOOP', 'sequence failed: error running phase %d in %s sequence: task 1/1: failed, '
                'failed to run installer: exit code %d: %s' % (index, name, exit_code, lines[-1])), actor_id)
            log.info('%s: upgrade to %s failed; rebooting into %s', self.machine.name, image.version,
                     self.current.version)
        else:
            self.events.publish(events.task('upgrade', 'STOP'), actor_id)
            self.events.publish(events.phase('upgrade', 'STOP'), actor_id)
            if not stage:
                await self.run_phases(_UPGRADE_AFTER, actor_id)
        await self.power_cycle()

    def install(self, image: InstallerImage) -> tuple[list[str], int]:
        """Run the installer: (its output, exit code); on success the image boots next."""
        failing, self.fail_next_upgrade = self.fail_next_upgrade, False
        lines = installer.upgrade_output(self.pending or self.current, image, fail=failing)
        if failing:
            return lines, 1
        self.pending = image
        return lines, 0

    async def rollback(self) -> None:
        """Boot the previous image again: the boot entries swap, then a reboot (no actor ID in Talos)."""
        assert self.previous is not None
        self.pending = self.previous
        await self.reboot('')

    # -- containerd --------------------------------------------------------------------------

    def pull(self, reference: str) -> tuple[InstallerImage, bool]:
        """(image, already present); ImageNotFound for references no registry serves."""
        known = self.pulled.get(reference.strip())
        if known is not None:
            return known, True
        image = installer.resolve(reference)
        self.pulled[image.reference] = self.pulled[image.pinned] = image
        return image, False

    def stored_image(self, reference: str) -> Optional[InstallerImage]:
        return self.pulled.get(reference.strip())
