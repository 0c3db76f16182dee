# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real etcd member (Debian's ``etcd``) per control-plane machine, run the way Talos runs its etcd service.

Each control plane's member listens on the machine's own loopback address (client 2379, peer
2380, plain HTTP) with its data under ``STATE/etcd/<machine>/``. Like Talos:

* a configured control plane with no etcd data waits to join: as soon as any other member answers,
  it adds itself as a learner, starts with ``initial-cluster-state=existing`` and gets promoted;
* Bootstrap stops that wait and starts a new single-member cluster (optionally restored from the
  snapshot uploaded with EtcdRecover);
* a machine with etcd data starts its member from that data on boot;
* machine power-off stops the member (SIGTERM, then SIGKILL), and the member dies with talos-sim
  even on SIGKILL (PR_SET_PDEATHSIG), so no etcd process ever outlives the fleet.

The service state (Talos's ServiceList wording: Preparing, Running, Failed, Finished) and its
events are kept for ServiceList and the bootstrap wait.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import shutil
import signal
import time
from typing import TYPE_CHECKING, Optional

from simulator.etcd_gateway import EtcdError, Gateway
from simulator.faults_partition import reachable_peers
from simulator.readiness import time_synced
from simulator.services import services_of

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

CLIENT_PORT = 2379
PEER_PORT = 2380
JOIN_INTERVAL = 1.0  # Talos retries every 3 s; shorter keeps tests quick
PROMOTE_INTERVAL = 0.5
DEPENDENCY_POLL = 0.1
RESTART_DELAY = 5.0
STOP_GRACE = 10.0
ETCD = shutil.which('etcd') or '/usr/bin/etcd'
ETCDCTL = shutil.which('etcdctl') or '/usr/bin/etcdctl'
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """preexec_fn: the child gets SIGTERM when talos-sim dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class EtcdMember:
    """The etcd service of one control-plane machine."""

    def __init__(self, machine: 'Machine', root: str) -> None:
        self.machine = machine
        self.dir = os.path.join(root, machine.name)
        self.data_dir = os.path.join(self.dir, 'data')
        self.recovery_snapshot = os.path.join(self.dir, 'recovery.snapshot')
        self.log_file = os.path.join(self.dir, 'etcd.log')
        self.client_url = 'http://%s:%d' % (machine.address, CLIENT_PORT)
        self.peer_url = 'http://%s:%d' % (machine.address, PEER_PORT)
        self.gateway = Gateway(self.client_url)
        self.process: Optional[asyncio.subprocess.Process] = None
        self.task: Optional[asyncio.Task] = None
        self.state = 'Initialized'
        self.events: list[tuple[str, str, float]] = []
        self.bootstrapping = False  # Bootstrap accepted, data directory not written yet
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        machine.boot_hooks.append(self._boot)
        machine.shutdown_hooks.append(self._shutdown)

    @property
    def name(self) -> str:
        return self.machine.hostname

    @property
    def has_data(self) -> bool:
        return os.path.isdir(self.data_dir) and bool(os.listdir(self.data_dir))

    @property
    def process_running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def _set_state(self, state: str, message: str) -> None:
        self.state = state
        self.events.append((message, state, time.time()))
        del self.events[:-20]
        log.info('%s: etcd %s: %s', self.machine.name, state, message)

    # -- power ---------------------------------------------------------------------------------

    async def _boot(self, machine: 'Machine') -> None:
        del machine
        self.events.clear()
        await self.start()

    async def start(self) -> None:
        """Start the service (from its data, or the join wait) unless it runs already."""
        if self.task is not None and not self.task.done():
            return
        self._set_state('Preparing', 'Running pre state')
        self.task = asyncio.ensure_future(self._service(bootstrap=False))

    async def _shutdown(self, machine: 'Machine') -> None:
        del machine
        await self.stop('Service finished successfully' if self.process_running else 'Stopped')

    async def stop(self, message: str = 'Service finished successfully') -> None:
        """Stop the service (join wait or member process) and wait until the process is reaped."""
        await self._halt()
        self.bootstrapping = False
        self._set_state('Finished', message)

    async def _halt(self) -> None:
        """Cancel the service task (join wait or supervision) and stop the member process."""
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # pylint: disable=broad-except
                pass
        await self._stop_process()

    async def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()

    # -- the service -----------------------------------------------------------------------------

    async def _service(self, bootstrap: bool, recover: bool = False, skip_hash_check: bool = False) -> None:
        try:
            while not self.machine.configured:  # a machine in maintenance runs no etcd
                await asyncio.sleep(JOIN_INTERVAL)
            # etcd depends on CRI and waits for time sync (system/services/etcd.go:Etcd.DependsOn, Condition @ v1.13.9)
            while not (services_of(self.machine).cri_up and time_synced(self.machine)):
                await asyncio.sleep(DEPENDENCY_POLL)
            if bootstrap:
                if recover:
                    await self._restore(skip_hash_check)
                await self._start(['--initial-cluster-state', 'new',
                                   '--initial-cluster', '%s=%s' % (self.name, self.peer_url)])
            elif self.has_data:
                await self._start([])
            else:
                await self._join()
            await self._promote_if_learner()
            await self._supervise()
        except asyncio.CancelledError:
            raise
        except EtcdError as exc:
            self.bootstrapping = False
            self._set_state('Failed', exc.message)
        except Exception as exc:  # pylint: disable=broad-except  # the service fails, the fleet lives on
            log.exception('%s: etcd service failed', self.machine.name)
            self.bootstrapping = False
            self._set_state('Failed', str(exc))

    async def _start(self, extra: list[str]) -> None:
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        argv = [
            ETCD, '--name', self.name, '--data-dir', self.data_dir,
            '--listen-client-urls', self.client_url, '--advertise-client-urls', self.client_url,
            '--listen-peer-urls', self.peer_url, '--initial-advertise-peer-urls', self.peer_url,
            '--log-level', 'warn',
        ] + extra
        with open(self.log_file, 'ab') as logf:
            self.process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=logf, stderr=logf,
                preexec_fn=lambda parent=os.getpid(): _die_with_parent(parent))
        self._set_state('Running', 'Started task etcd (PID %d) for container etcd' % self.process.pid)

    async def _supervise(self) -> None:
        """Wait for the process; an unexpected exit fails the service, which restarts (Talos restarts etcd)."""
        while True:
            process = self.process
            if process is None:
                return
            code = await process.wait()
            self._set_state('Failed', 'Error running Containerd(etcd), going to restart forever: '
                            'task "etcd" failed: exit code %d' % code)
            await asyncio.sleep(RESTART_DELAY)
            if not self.has_data:
                await self._join()
            else:
                await self._start([])

    async def _restore(self, skip_hash_check: bool) -> None:
        if not os.path.exists(self.recovery_snapshot):
            raise EtcdError('error verifying snapshot: stat %s: no such file or directory' % self.recovery_snapshot)
        argv = [ETCDCTL, 'snapshot', 'restore', self.recovery_snapshot, '--name', self.name,
                '--data-dir', self.data_dir, '--initial-cluster', '%s=%s' % (self.name, self.peer_url),
                '--initial-advertise-peer-urls', self.peer_url]
        if skip_hash_check:
            argv.append('--skip-hash-check')
        shutil.rmtree(self.data_dir, ignore_errors=True)
        process = await asyncio.create_subprocess_exec(
            *argv, env=dict(os.environ, ETCDCTL_API='3'), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            preexec_fn=lambda parent=os.getpid(): _die_with_parent(parent))
        output, _unused = await process.communicate()
        if process.returncode:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            lines = output.decode('utf-8', 'replace').strip().splitlines()
            raise EtcdError('error recovering from the snapshot: %s' % (lines[-1] if lines else 'etcdctl failed'))
        os.unlink(self.recovery_snapshot)

    async def _join(self) -> None:
        """Talos's join loop: wait for a cluster, add ourselves as a learner, start with state existing."""
        if self.state != 'Preparing':
            self._set_state('Preparing', 'Running pre state')
        while True:
            gateway = await self._find_cluster()
            if gateway is not None:
                try:
                    initial_cluster = await self._add_self(gateway)
                except EtcdError as exc:
                    log.info('%s: etcd join: %s', self.machine.name, exc.message)
                else:
                    break
            await asyncio.sleep(JOIN_INTERVAL)
        await self._start(['--initial-cluster-state', 'existing', '--initial-cluster', initial_cluster])

    async def _find_cluster(self) -> Optional[Gateway]:
        for peer in reachable_peers(self.machine):
            member = getattr(peer, 'etcd', None)
            if member is None or member is self or not peer.running or not member.process_running:
                continue
            try:
                await member.gateway.call('/v3/maintenance/status', timeout=1.0)
            except EtcdError:
                continue
            return member.gateway
        return None

    async def _add_self(self, gateway: Gateway) -> str:
        members = await gateway.members()
        for member in members:
            if member['name'] == self.name:
                await gateway.remove(member['id'])  # a stale member of ours: replace it, as Talos does
        try:
            my_id = await gateway.add_learner(self.peer_url)
        except EtcdError:
            mine = [m for m in members if m['peer_urls'] == [self.peer_url] and m['is_learner'] and not m['name']]
            if not mine:
                raise
            my_id = mine[0]['id']
        members = await gateway.members()
        pairs = []
        for member in members:
            name = self.name if member['id'] == my_id else member['name']
            pairs.extend('%s=%s' % (name, url) for url in member['peer_urls'])
        return ','.join(pairs)

    async def _promote_if_learner(self) -> None:
        """A learner can't promote itself: ask the voting members until it has caught up."""
        while self.process_running:
            try:
                status = await self.gateway.status(timeout=2.0)
            except EtcdError:
                await asyncio.sleep(PROMOTE_INTERVAL)
                continue
            if not status['is_learner']:
                return
            for peer in reachable_peers(self.machine):
                member = getattr(peer, 'etcd', None)
                if member is None or member is self or not member.process_running:
                    continue
                try:
                    await member.gateway.promote(status['member_id'])
                except EtcdError:
                    continue
                log.info('%s: etcd learner promoted', self.machine.name)
                return
            await asyncio.sleep(PROMOTE_INTERVAL)

    # -- API operations ------------------------------------------------------------------------

    async def bootstrap(self, recover: bool, skip_hash_check: bool) -> None:
        """Stop the join wait and start a new cluster; the caller has checked the data directory is empty."""
        await self._halt()
        self.bootstrapping = True
        self._set_state('Finished', 'Bootstrap requested')
        self._set_state('Preparing', 'Running pre state')
        self.task = asyncio.ensure_future(self._service(True, recover, skip_hash_check))

    async def leave(self) -> None:
        """EtcdLeaveCluster after the member is removed: stop the service and wipe the data directory."""
        await self.stop()
        self.wipe()

    def wipe(self) -> None:
        """Forget the member's data (reset of the EPHEMERAL volume); only while the service is stopped."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if os.path.exists(self.recovery_snapshot):
            os.unlink(self.recovery_snapshot)

    def running_peers(self) -> list['EtcdMember']:
        """This member first, then the other members whose process runs (where cluster-wide calls go)."""
        out = [self] if self.process_running else []
        for peer in reachable_peers(self.machine):
            member = getattr(peer, 'etcd', None)
            if member is not None and member is not self and peer.running and member.process_running:
                out.append(member)
        return out


def attach(machine: 'Machine', state_dir: str) -> None:
    """Give a control-plane machine its etcd member (machines of other types run none)."""
    if machine.planned_type == 'controlplane':
        machine.etcd = EtcdMember(machine, os.path.join(state_dir, 'etcd'))
