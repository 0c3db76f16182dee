# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Maintenance mode of Talos ≤1.12: a dedicated gRPC server with a fixed, small surface.

From 1.13 on, maintenance mode is apid itself with every caller as os:reader, which the normal
path (RBAC table, reader role) already expresses; only the older server needs rules of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator.calls import not_implemented, unknown_service
from simulator.rbac import ADMIN

if TYPE_CHECKING:
    from simulator.api import RpcMethod
    from simulator.machine import Machine

# MachineService methods the ≤1.12 maintenance server implements; every other one is Unimplemented.
LEGACY_MACHINE_METHODS = frozenset({
    'ApplyConfiguration', 'GenerateConfiguration', 'GenerateClientConfiguration', 'Version', 'Upgrade', 'Reset',
    'MetaWrite', 'MetaDelete',
})
# Implemented, but only for os:admin (a SideroLink peer); everyone else is told it isn't implemented.
LEGACY_ADMIN_ONLY = frozenset({'Version', 'Upgrade', 'Reset', 'MetaWrite', 'MetaDelete'})
LEGACY_SERVICES = frozenset({'machine.MachineService', 'storage.StorageService', 'cosi.resource.State'})


def legacy(machine: 'Machine') -> bool:
    return not machine.configured and not machine.version.at_least(1, 13)


def check_legacy_surface(method: 'RpcMethod', roles: frozenset[str]) -> None:
    """Raise what the ≤1.12 maintenance server answers for methods it doesn't serve to these roles."""
    if method.service not in LEGACY_SERVICES:
        raise unknown_service(method)
    if method.service != 'machine.MachineService':
        return
    if method.name not in LEGACY_MACHINE_METHODS:
        raise not_implemented(method)
    if method.name == 'GenerateClientConfiguration':
        raise GRPCError(Status.UNIMPLEMENTED,
                        "client configuration (talosconfig) can't be generated in the maintenance mode")
    if method.name in LEGACY_ADMIN_ONLY and ADMIN not in roles:
        raise GRPCError(Status.UNIMPLEMENTED, 'API is not implemented in maintenance mode')
