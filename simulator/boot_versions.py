# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versions of resources rendered from a machine's config, kept per machine for one boot.

COSI semantics: a resource is version 1 when a controller first writes it and one more on each write that
changes its spec; machined keeps its resources in memory, so a reboot starts them over. talos-sim renders such
resources on every read and tells a change by a fingerprint of the rendered spec.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Hashable, Iterable

if TYPE_CHECKING:
    from simulator.machine import Machine


class BootVersions:
    """One machine's versions for one boot: key -> (spec fingerprint, version)."""

    def __init__(self, boot_id: str) -> None:
        self.boot_id = boot_id
        self.seen: dict[Hashable, tuple[bytes, int]] = {}

    def version(self, key: Hashable, fingerprint: bytes) -> int:
        """The version of ``key`` rendered as ``fingerprint`` now: one up when it differs from the last look."""
        previous = self.seen.get(key)
        version = 1 if previous is None else previous[1] + (previous[0] != fingerprint)
        self.seen[key] = (fingerprint, version)
        return version

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        """Forget the resources no longer rendered (a resource created again starts at version 1)."""
        for key in set(self.seen) - set(keys):
            del self.seen[key]


class VersionTables:
    """Each machine's BootVersions (held weakly), started over when the machine boots again."""

    def __init__(self) -> None:
        self._tables: 'weakref.WeakKeyDictionary[Machine, BootVersions]' = weakref.WeakKeyDictionary()

    def of(self, machine: 'Machine') -> BootVersions:
        table = self._tables.get(machine)
        if table is None or table.boot_id != machine.boot_id:
            table = self._tables[machine] = BootVersions(machine.boot_id)
        return table
