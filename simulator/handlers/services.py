# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService.ServiceList: the system services a client can observe (apid, machined and etcd)."""

from __future__ import annotations

from typing import Any

from simulator.api import MachineService, machine_pb2
from simulator.calls import Call, unary
from simulator.etcd_gateway import EtcdError

_HEALTH_TIMEOUT = 1.0


def _timestamp(when: float) -> dict[str, int]:
    return {'seconds': int(when), 'nanos': int((when % 1) * 1e9)}


def _always_running(name: str, since: float) -> Any:
    return machine_pb2.ServiceInfo(
        id=name, state='Running',
        events=machine_pb2.ServiceEvents(events=[
            machine_pb2.ServiceEvent(msg='Health check successful', state='Running', ts=_timestamp(since))]),
        health=machine_pb2.ServiceHealth(healthy=True, last_change=_timestamp(since)))


async def _etcd(member: Any) -> Any:
    health = machine_pb2.ServiceHealth(unknown=True)
    if member.state == 'Running' and member.process_running:
        try:
            status = await member.gateway.status(timeout=_HEALTH_TIMEOUT)
        except EtcdError as exc:
            health = machine_pb2.ServiceHealth(healthy=False, last_message=exc.message)
        else:
            healthy = bool(status['leader']) and not status['errors']
            health = machine_pb2.ServiceHealth(healthy=healthy,
                                               last_message='' if healthy else 'etcd member has no leader')
    events = [machine_pb2.ServiceEvent(msg=msg, state=state, ts=_timestamp(when)) for msg, state, when in member.events]
    return machine_pb2.ServiceInfo(id='etcd', state=member.state, events=machine_pb2.ServiceEvents(events=events),
                                   health=health)


@unary(MachineService.ServiceList)
async def service_list(call: Call) -> Any:
    machine = call.machine
    services = [_always_running('apid', machine.booted_at)]
    if machine.etcd is not None and machine.configured:
        services.append(await _etcd(machine.etcd))
    services.append(_always_running('machined', machine.booted_at))
    return machine_pb2.ServiceListResponse(messages=[machine_pb2.ServiceList(services=services)])
