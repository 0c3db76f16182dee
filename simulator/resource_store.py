# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A machine's resources with COSI versions: a resource's version grows each time its spec changes.

talos-sim renders resources from machine state on demand (simulator.resources), one type per read;
this store remembers, per machine, boot and type, the spec last seen for each resource and its
version, so Get, List and Watch agree on versions and Watch can tell created, updated and destroyed
resources apart. A read renders and compares only the type it asks for: a fleet's every machine
lists every peer as a Member, and comparing those on each Get of anything made reads grow with the
fleet. It also gives the etcd service's health a chance to be probed before a read, since the
Services resource reports it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from simulator import resources
from simulator.per_machine import PerMachine
from simulator.services import services_of

if TYPE_CHECKING:
    from simulator.machine import Machine

Key = tuple[str, str, str]

class _Store:
    def __init__(self) -> None:
        self.boot_id = ''
        # type -> key -> (fingerprint, version, updated)
        self.seen: dict[str, dict[Key, tuple[Any, int, float]]] = {}


_STORES: 'PerMachine[_Store]' = PerMachine('resource_store', lambda machine: _Store())


def _fingerprint(item: resources.Resource) -> Any:
    # the version a renderer gives counts too: a resource versioned at its source (simulator.controlplane_config,
    # shared with the mirror pods) moves on when its source says so, even if this store missed the change
    return (item.proto_spec, repr(item.spec), item.owner, repr(item.labels), repr(item.annotations), item.version)


async def current(machine: 'Machine', resource_type: str) -> list[resources.Resource]:
    """The machine's resources of one type now, each with its version (and ``updated`` as the last change)."""
    table = services_of(machine)
    if table.etcd is not None:
        await table.etcd_health()
    store = _STORES.of(machine)
    if store.boot_id != machine.boot_id:
        store.boot_id, store.seen = machine.boot_id, {}
    seen = store.seen.setdefault(resource_type, {})
    out = []
    now = time.time()
    present = set()
    for item in resources.machine_resources(machine, resource_type):
        key = (item.namespace, item.type, item.id)
        present.add(key)
        fingerprint = _fingerprint(item)
        previous = seen.get(key)
        if previous is None:
            version, updated = item.version, item.created
        elif previous[0] != fingerprint:
            version, updated = max(previous[1] + 1, item.version), now
        else:
            version, updated = previous[1], previous[2]
        seen[key] = (fingerprint, version, updated)
        out.append(item._replace(version=version, updated=updated))
    for key in set(seen) - present:
        del seen[key]  # a resource that comes back starts again from its base version
    return out
