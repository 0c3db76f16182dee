"""``python -m simulator serve``: the long-running process that hosts every machine of a fleet."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from simulator import control
from simulator.fleet import Fleet
from simulator.plan import MachineSpec
from simulator.statedir import StateDir, write_atomic, write_json
from simulator.versions import TalosVersion

log = logging.getLogger(__name__)


async def _run(state: StateDir, specs: list[MachineSpec], version: TalosVersion, maintenance: bool,
               boot_delay: float) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)

    fleet = Fleet.build(state, specs, version, maintenance, boot_delay)
    fleet.save()
    control_server = await control.serve(fleet, state.control_socket)
    boot = asyncio.ensure_future(fleet.start_all())
    log.info('fleet of %d machine(s) booting (Talos %s%s)', len(specs), version.tag,
             ', maintenance mode' if maintenance else '')
    try:
        await stopping.wait()
    finally:
        log.info('shutting down')
        boot.cancel()
        control_server.close()
        await fleet.stop_all()
        if os.path.exists(state.control_socket):
            os.unlink(state.control_socket)
        summary = fleet.describe()
        summary['pid'] = None
        write_json(state.cluster_file, summary)


def serve(state: StateDir, specs: list[MachineSpec], version: TalosVersion, maintenance: bool,
          boot_delay: float) -> int:
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    os.makedirs(state.path, exist_ok=True)
    write_atomic(state.pid_file, '%d\n' % os.getpid())
    try:
        asyncio.run(_run(state, specs, version, maintenance, boot_delay))
    except Exception:  # pylint: disable=broad-except  # the log is where `up` looks for the reason
        log.exception('fleet failed')
        return 1
    return 0
