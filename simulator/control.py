# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet's control socket: JSON lines over ``DIR/control.sock``.

Each request is one JSON object on one line, ``{"op": NAME, ...arguments}``; each reply is one
line, ``{"ok": true, ...}`` or ``{"ok": false, "error": TEXT}``. A connection may carry several
requests in turn. Operations are looked up in ``OPERATIONS``, so adding one is adding a function.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from typing import Any, Awaitable, Callable

from simulator.apid_faults import apid_faults_of
from simulator import faults_partition
from simulator.fleet import Fleet
from simulator.lifecycle import lifecycle_of
from simulator.services import ServiceError, services_of

log = logging.getLogger(__name__)

Operation = Callable[[Fleet, dict[str, Any]], Awaitable[dict[str, Any]]]
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def register(func: Operation) -> Operation:
        OPERATIONS[name] = func
        return func
    return register


@operation('status')
async def _status(fleet: Fleet, _request: dict[str, Any]) -> dict[str, Any]:
    return fleet.describe()


@operation('stop')
async def _stop(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    machine = fleet.find(str(request.get('machine', '')))
    await machine.stop()
    return {'machine': machine.describe()}


@operation('start')
async def _start(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Boot a stopped machine (new boot ID); replies once it listens again."""
    machine = fleet.find(str(request.get('machine', '')))
    await machine.start()
    return {'machine': machine.describe()}


@operation('fail-upgrade')
async def _fail_upgrade(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """The machine's next upgrade fails in the installer (exit code 1); it keeps its version."""
    machine = fleet.find(str(request.get('machine', '')))
    lifecycle_of(machine).fail_next_upgrade = True
    return {'machine': machine.describe()}


@operation('hold')
async def _hold(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """The machine stays down after its next reboot, until `start`."""
    machine = fleet.find(str(request.get('machine', '')))
    lifecycle_of(machine).hold = True
    return {'machine': machine.describe()}


def _seconds(op: str, request: dict[str, Any], zero_allowed: bool = True) -> float:
    """The SECONDS argument of ``op`` (sent as ``service``), within 0 (or above it) and an hour."""
    try:
        seconds = float(str(request.get('service', '')))
    except ValueError:
        raise ValueError('%s takes a number of seconds, not %r' % (op, request.get('service'))) from None
    if not (0 <= seconds if zero_allowed else 0 < seconds) or seconds > 3600:
        raise ValueError('%s takes %s SECONDS <= 3600, not %g' % (op, '0 <=' if zero_allowed else '0 <', seconds))
    return seconds


@operation('stall')
async def _stall(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """The machine's next sequence spends SECONDS in its first task (pods slow to stop, a slow drain)."""
    machine = fleet.find(str(request.get('machine', '')))
    seconds = _seconds('stall', request, zero_allowed=False)
    lifecycle_of(machine).stall_next = seconds
    return {'machine': machine.describe(), 'stall': seconds}


@operation('pull-delay')
async def _pull_delay(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """A pull of an image the machine does not have yet takes SECONDS from now on (0: instant again)."""
    machine = fleet.find(str(request.get('machine', '')))
    seconds = _seconds('pull-delay', request)
    lifecycle_of(machine).pull_delay = seconds
    return {'machine': machine.describe(), 'pull_delay': seconds}


@operation('stop-service')
async def _stop_service(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """A service stops (etcd: its real member stops) as if it had crashed; it stays down until started."""
    machine = fleet.find(str(request.get('machine', '')))
    table = services_of(machine)
    await table.stop(str(request.get('service', '')))
    return {'machine': machine.describe(), 'services': table.ids()}


@operation('start-service')
async def _start_service(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    machine = fleet.find(str(request.get('machine', '')))
    table = services_of(machine)
    await table.start(str(request.get('service', '')))
    return {'machine': machine.describe(), 'services': table.ids()}


@operation('extension-service')
async def _extension_service(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Install an extension service ext-NAME on the machine (running; kept across reboots)."""
    machine = fleet.find(str(request.get('machine', '')))
    table = services_of(machine)
    service_id = table.add_extension(str(request.get('service', '')))
    return {'machine': machine.describe(), 'service': service_id}


@operation('time-sync')
async def _time_sync(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Hold the machine's time sync off (``off``) or let it sync again (``on``): readiness and Bootstrap see it."""
    from simulator.readiness import hold_time_sync  # pylint: disable=import-outside-toplevel  # after lifecycle

    machine = fleet.find(str(request.get('machine', '')))
    state = str(request.get('service', ''))
    if state not in ('on', 'off'):
        raise ValueError('time-sync takes on or off, not %r' % state)
    hold_time_sync(machine, state == 'off')
    return {'machine': machine.describe(), 'time_synced': state == 'on'}


@operation('hang')
async def _hang(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """The machine's apid hangs (simulator.apid_faults): ``tls`` takes TCP but never answers TLS, ``rpc`` (the
    default) completes TLS but never answers a call; until ``unhang``."""
    machine = fleet.find(str(request.get('machine', '')))
    faults = apid_faults_of(machine)
    faults.set_hang(str(request.get('service') or 'rpc'))
    return {'machine': machine.describe(), 'apid': faults.describe()}


@operation('unhang')
async def _unhang(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Held calls run, connections held at the TLS step are cut, new ones are served again."""
    machine = fleet.find(str(request.get('machine', '')))
    faults = apid_faults_of(machine)
    faults.release()
    return {'machine': machine.describe(), 'apid': faults.describe()}


@operation('slow')
async def _slow(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Every call to the machine's apid is answered SECONDS late from now on (0: at once again)."""
    machine = fleet.find(str(request.get('machine', '')))
    faults = apid_faults_of(machine)
    faults.set_delay(_seconds('slow', request))
    return {'machine': machine.describe(), 'apid': faults.describe()}


@operation('partition')
async def _partition(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """Machines ``machine`` and ``peer`` cannot reach each other until ``heal`` (simulator.faults_partition)."""
    one, other = fleet.find(str(request.get('machine', ''))), fleet.find(str(request.get('peer', '')))
    faults_partition.partition(one, other)
    return {'partitions': faults_partition.partitions()}


@operation('heal')
async def _heal(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    one, other = fleet.find(str(request.get('machine', ''))), fleet.find(str(request.get('peer', '')))
    faults_partition.heal(one, other)
    return {'partitions': faults_partition.partitions()}


@operation('kube-violations')
async def _kube_violations(fleet: Fleet, _request: dict[str, Any]) -> dict[str, Any]:
    """Every moment a PodDisruptionBudget of the fleet's Kubernetes stopped holding (simulator.kube.disruption)."""
    return {'violations': [v.as_dict() for v in fleet.kube.recorder.violations()]}


@operation('kube-departures')
async def _kube_departures(fleet: Fleet, _request: dict[str, Any]) -> dict[str, Any]:
    """For every stop of a registered node's machine: cordoned or not, and the drainable pods still on it."""
    return {'departures': fleet.kube.departures.entries()}


@operation('kube-start-delay')
async def _kube_start_delay(fleet: Fleet, request: dict[str, Any]) -> dict[str, Any]:
    """How long a new pod's containers take to run after it is bound to a node."""
    seconds = _seconds('kube-start-delay', request)
    fleet.kube.kubelets.start_delay = seconds
    return {'start_delay': seconds}


async def handle(fleet: Fleet, line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError('a request is a JSON object')
        op = OPERATIONS.get(str(request.get('op')))
        if op is None:
            raise ValueError('unknown op %r (known: %s)' % (request.get('op'), ', '.join(sorted(OPERATIONS))))
        reply = await op(fleet, request)
    except (ValueError, KeyError, ServiceError) as exc:
        return {'ok': False, 'error': exc.args[0] if exc.args else str(exc)}
    except Exception as exc:  # pylint: disable=broad-except  # reported to the caller, fleet keeps running
        log.exception('control request failed: %r', line)
        return {'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}
    return dict(reply, ok=True)


async def serve(fleet: Fleet, path: str) -> asyncio.AbstractServer:
    """Listen on the unix socket ``path`` (owner-only)."""
    if os.path.exists(path):
        os.unlink(path)

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                if line.strip():
                    writer.write(json.dumps(await handle(fleet, line)).encode() + b'\n')
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_unix_server(connection, path)
    os.chmod(path, 0o600)
    return server


def send(path: str, message: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
    """Client side: send one request, return the reply (blocking; used by the CLI)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(json.dumps(message).encode() + b'\n')
        data = b''
        while not data.endswith(b'\n'):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    if not data:
        raise ConnectionError('the fleet closed the control connection without a reply')
    return json.loads(data)
