# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m simulator serve``: the long-running process that hosts every machine of a fleet."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from simulator import control
from simulator.fleet import Fleet
from simulator.image_factory.factory import FACTORY
from simulator.image_factory.serving import FactoryServer, factory_address
from simulator.machine_options import MachineOptions
from simulator.plan import MachineSpec
from simulator.statedir import StateDir, write_atomic
from simulator.versions import TalosVersion

log = logging.getLogger(__name__)


async def _run(state: StateDir, specs: list[MachineSpec], version: TalosVersion, maintenance: bool,
               boot_delay: float, options: MachineOptions) -> int:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)

    # The factory listens first: machines installed from its schematics name its URL (ImageFactorySchematic).
    factory_server = FactoryServer(FACTORY)
    await factory_server.start(factory_address(specs[0].address, specs[0].prefixlen), state.join('image-factory'))
    fleet = Fleet.build(state, specs, version, maintenance, boot_delay)
    fleet.image_factory = FACTORY
    options.apply(fleet.machines, FACTORY)
    fleet.save()
    control_server = await control.serve(fleet, state.control_socket)
    boot = asyncio.ensure_future(fleet.start_all())
    failures: list[BaseException] = []

    def booted(task: asyncio.Future) -> None:
        # A machine that can't listen (address taken meanwhile) fails the whole fleet, so `up` reports it.
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())
            log.error('boot failed: %s', task.exception())
            stopping.set()

    boot.add_done_callback(booted)
    log.info('fleet of %d machine(s) booting (Talos %s%s)', len(specs), version.tag,
             ', maintenance mode' if maintenance else '')
    try:
        await stopping.wait()
    finally:
        log.info('shutting down')
        boot.cancel()
        control_server.close()
        await fleet.stop_all()
        await factory_server.stop()
        if os.path.exists(state.control_socket):
            os.unlink(state.control_socket)
        fleet.save(running=False)
    return 1 if failures else 0


def serve(state: StateDir, specs: list[MachineSpec], version: TalosVersion, maintenance: bool,
          boot_delay: float, options: MachineOptions) -> int:
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    os.makedirs(state.path, exist_ok=True)
    write_atomic(state.pid_file, '%d\n' % os.getpid())
    try:
        return asyncio.run(_run(state, specs, version, maintenance, boot_delay, options))
    except Exception:  # pylint: disable=broad-except  # the log is where `up` looks for the reason
        log.exception('fleet failed')
        return 1
