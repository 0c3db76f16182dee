# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService.MetaWrite / MetaDelete on the machine's META partition."""

from __future__ import annotations

from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.api import MachineService, machine_pb2
from simulator.calls import Call, unary

# Talos keeps META in a fixed-size on-disk structure; a write that does not fit is refused.
META_CAPACITY = 256 * 1024


def _key(request: Any) -> int:
    if request.key > 0xff:
        raise GRPCError(Status.INVALID_ARGUMENT, 'key must be a uint8')
    return request.key


@unary(MachineService.MetaWrite)
async def meta_write(call: Call) -> Any:
    key = _key(call.request)
    meta = call.machine.meta
    used = sum(len(value) for k, value in meta.items() if k != key)
    if used + len(call.request.value) > META_CAPACITY:
        raise GRPCError(Status.RESOURCE_EXHAUSTED, 'meta write failed')
    meta[key] = bytes(call.request.value)
    return machine_pb2.MetaWriteResponse(messages=[machine_pb2.MetaWrite()])


@unary(MachineService.MetaDelete)
async def meta_delete(call: Call) -> Any:
    key = _key(call.request)
    if call.machine.meta.pop(key, None) is None:
        raise GRPCError(Status.NOT_FOUND, 'meta key not found')
    return machine_pb2.MetaDeleteResponse(messages=[machine_pb2.MetaDelete()])
