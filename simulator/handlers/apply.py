# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService.ApplyConfiguration (semantics in simulator.apply)."""

from __future__ import annotations

from typing import Any

from simulator import apply, maintenance
from simulator.api import MachineService
from simulator.calls import Call, unary


@unary(MachineService.ApplyConfiguration)
async def apply_configuration(call: Call) -> Any:
    if maintenance.legacy(call.machine):
        return await apply.apply_in_legacy_maintenance(call.machine, call.request)
    return await apply.apply_configuration(call.machine, call.request, call.roles)
