# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node says about itself, from the calls its caller's role may make.

Version, machine status, machine type and hostname are readable with os:reader and in maintenance
mode (1.13+); the boot ID needs os:admin (MachineService.Read). A field the node will not tell us
is None; a node that cannot be reached raises. Private module: free to change.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

# (namespace, type, id) of the resources read.
MACHINE_STATUS = ('runtime', 'MachineStatuses.runtime.talos.dev', 'machine')
MACHINE_TYPE = ('config', 'MachineTypes.config.talos.dev', 'machine-type')
VERSION = ('runtime', 'Versions.runtime.talos.dev', 'version')
HOSTNAME_STATUS = ('network', 'HostnameStatuses.net.talos.dev', 'hostname')
BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id'

# Codes meaning "this node will not tell us that", not "the node is unreachable".
NOT_TOLD = frozenset(['PERMISSION_DENIED', 'UNIMPLEMENTED', 'NOT_FOUND'])


async def _optional(call: Any) -> Any:
    try:
        return await call
    except TalosError as exc:
        if exc.code in NOT_TOLD:
            return None
        raise


async def _boot_id(client: TalosClient, node: str | None) -> str | None:
    data = await _optional(client.read_file(BOOT_ID_PATH, node))
    return data.decode('ascii', 'replace').strip() if data else None


def _spec(resource: dict[str, Any] | None) -> Any:
    return resource['spec'] if resource else None


async def node_info(client: TalosClient, node: str | None) -> dict[str, Any]:
    version, status, machine_type, hostname, boot_id = await asyncio.gather(
        _optional(client.version(node)),
        _optional(client.get_resource(*MACHINE_STATUS, node=node)),
        _optional(client.get_resource(*MACHINE_TYPE, node=node)),
        _optional(client.get_resource(*HOSTNAME_STATUS, node=node)),
        _boot_id(client, node),
    )
    info: dict[str, Any] = {'node': node, 'reachable': True, 'error': None}
    if version is None:  # maintenance mode of Talos <= 1.12 serves Version to SideroLink only
        version_spec = _spec(await _optional(client.get_resource(*VERSION, node=node))) or {}
        version = {'tag': version_spec.get('version'), 'sha': None, 'arch': None, 'platform': None}
    info.update(version=version.get('tag'), sha=version.get('sha'), arch=version.get('arch'),
                platform=(version.get('platform') or {}).get('name'))
    status_spec = _spec(status) or {}
    info['stage'] = status_spec.get('stage')
    info['ready'] = (status_spec.get('status') or {}).get('ready')
    info['unmet_conditions'] = (status_spec.get('status') or {}).get('unmetConditions') or []
    machine_type = _spec(machine_type)
    info['machine_type'] = machine_type if machine_type not in (None, 'unknown') else None
    info['hostname'] = (_spec(hostname) or {}).get('hostname')
    info['maintenance'] = info['stage'] == 'maintenance'
    info['boot_id'] = boot_id
    return info


def unreachable(node: str, exc: TalosError) -> dict[str, Any]:
    empty = dict.fromkeys(('hostname', 'version', 'sha', 'arch', 'platform', 'machine_type', 'stage', 'ready',
                           'maintenance', 'boot_id'))
    empty.update(node=node, reachable=False, error=str(exc), grpc_code=exc.code, unmet_conditions=[])
    return empty
