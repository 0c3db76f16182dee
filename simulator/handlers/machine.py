# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService: Version, Hostname, Read."""

from __future__ import annotations

from typing import Any, AsyncIterator

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.api import MachineService, common_pb2, machine_pb2
from simulator.calls import Call, server_stream, unary
from simulator.image_factory.catalogue import platform_mode

BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id'


@unary(MachineService.Version)
async def version(call: Call) -> Any:
    machine = call.machine
    tag = machine.version
    message = machine_pb2.Version(
        version=machine_pb2.VersionInfo(tag=tag.tag, sha=tag.sha, built='', go_version=tag.go_version,
                                        os='linux', arch='amd64'),
        platform=machine_pb2.PlatformInfo(name=machine.platform, mode=platform_mode(machine.platform)),
    )
    if machine.configured:
        # Talos reports features only once a machine config is loaded.
        message.features.rbac = True
    return machine_pb2.VersionResponse(messages=[message])


@unary(MachineService.Hostname)
async def hostname(call: Call) -> Any:
    return machine_pb2.HostnameResponse(messages=[machine_pb2.Hostname(hostname=call.machine.hostname)])


@server_stream(MachineService.Read)
async def read(call: Call) -> AsyncIterator[Any]:
    # The only file an emulated machine has: clients read it to notice reboots.
    if call.request.path != BOOT_ID_PATH:
        raise GRPCError(Status.NOT_FOUND, 'stat %s: no such file or directory' % call.request.path)
    yield common_pb2.Data(bytes=(call.machine.boot_id + '\n').encode('ascii'))
