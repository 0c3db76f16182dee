# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService.ServiceList/Start/Stop/Restart over the machine's service table (simulator.services).

The table refuses what machined refuses - internal/app/machined/pkg/system/system.go:APIStart/APIStop/APIRestart
@ v1.14.0-rc.1 (only kubelet's start and restart, services/kubelet.go, and every operation of an extension
service, services/extension.go) - with Talos's message, as gRPC UNKNOWN (an unwrapped Go error).
"""

from __future__ import annotations

from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.api import MachineService, machine_pb2
from simulator.calls import Call, unary
from simulator.services import ServiceError, info_proto, services_of


@unary(MachineService.ServiceList)
async def service_list(call: Call) -> Any:
    services = [info_proto(info) for info in await services_of(call.machine).infos()]
    return machine_pb2.ServiceListResponse(messages=[machine_pb2.ServiceList(services=services)])


async def _operate(call: Call, operation: str) -> None:
    try:
        await services_of(call.machine).api(operation, call.request.id)
    except ServiceError as exc:
        raise GRPCError(Status.UNKNOWN, str(exc)) from None


@unary(MachineService.ServiceStart)
async def service_start(call: Call) -> Any:
    await _operate(call, 'start')
    return machine_pb2.ServiceStartResponse(messages=[
        machine_pb2.ServiceStart(resp='Service "%s" started' % call.request.id)])


@unary(MachineService.ServiceStop)
async def service_stop(call: Call) -> Any:
    await _operate(call, 'stop')
    return machine_pb2.ServiceStopResponse(messages=[
        machine_pb2.ServiceStop(resp='Service "%s" stopped' % call.request.id)])


@unary(MachineService.ServiceRestart)
async def service_restart(call: Call) -> Any:
    await _operate(call, 'restart')
    return machine_pb2.ServiceRestartResponse(messages=[
        machine_pb2.ServiceRestart(resp='Service "%s" restarted' % call.request.id)])
