# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TalosClient: one method per Talos RPC, plain Python data in and out.

Every method takes ``node`` (where the call runs; None = the node behind the endpoint) and
raises TalosError carrying the gRPC code and the node. Private module: free to change.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils._resources import resource_to_dict
from ansible_collections.talos.linux.plugins.module_utils._transport import Transport

READ_LIMIT = 1 << 20  # read_file() is for small files; stream larger ones with read()


class TalosClient(Transport):
    """Talos API client; use ``async with TalosClient(settings) as client``."""

    async def version(self, node: str | None = None) -> dict[str, Any]:
        reply = await self.unary(MachineService.Version, node=node, read_only=True)
        msg = reply.messages[0]
        info = {name: getattr(msg.version, name) for name in ('tag', 'sha', 'built', 'go_version', 'os', 'arch')}
        info['platform'] = {'name': msg.platform.name, 'mode': msg.platform.mode} if msg.HasField('platform') else None
        info['rbac'] = msg.features.rbac if msg.HasField('features') else None
        return info

    async def hostname(self, node: str | None = None) -> str:
        reply = await self.unary(MachineService.Hostname, node=node, read_only=True)
        return reply.messages[0].hostname

    async def read(self, path: str, node: str | None = None) -> AsyncIterator[bytes]:
        """The bytes of a file on the node, chunk by chunk (MachineService.Read, os:admin)."""
        async for data in self.stream(MachineService.Read, machine_pb2.ReadRequest(path=path), node=node):
            yield data.bytes

    async def read_file(self, path: str, node: str | None = None, limit: int = READ_LIMIT) -> bytes:
        chunks, size = [], 0
        async for chunk in self.read(path, node):
            size += len(chunk)
            if size > limit:
                raise ValueError('%s is larger than %d bytes' % (path, limit))
            chunks.append(chunk)
        return b''.join(chunks)

    async def get_resource(self, namespace: str, resource_type: str, resource_id: str,
                           node: str | None = None) -> dict[str, Any]:
        request = state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id)
        reply = await self.unary(State.Get, request, node=node, read_only=True)
        return resource_to_dict(reply.resource)

    async def list_resources(self, namespace: str, resource_type: str,
                             node: str | None = None) -> AsyncIterator[dict[str, Any]]:
        request = state_pb2.ListRequest(namespace=namespace, type=resource_type)
        async for reply in self.stream(State.List, request, node=node):
            yield resource_to_dict(reply.resource)
