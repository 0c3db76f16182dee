# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos version contracts: which generation behaviours a target Talos version expects."""

from __future__ import annotations

import re
from typing import NamedTuple

from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import ContractError

OLDEST = (1, 3)
CURRENT = (1, 15)  # newest contract this implementation knows


class Contract(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return 'v%d.%d' % (self.major, self.minor)

    def after(self, major: int, minor: int) -> bool:
        """True when this contract is newer than vMAJOR.MINOR."""
        return (self.major, self.minor) > (major, minor)


def parse(version: str | None) -> Contract:
    """A contract from ``v1.14``, ``1.14.2``, ``current`` or None (the newest known)."""
    if version is None or str(version).strip() in ('', 'current', 'latest'):
        return Contract(*CURRENT)
    text = str(version).strip()
    match = re.match(r'^v?(\d+)\.(\d+)($|\.)', text)
    if not match:
        raise ContractError('talos_version: cannot parse version contract %r (expected e.g. v1.14)' % text)
    contract = Contract(int(match.group(1)), int(match.group(2)))
    if (contract.major, contract.minor) < OLDEST or (contract.major, contract.minor) > CURRENT:
        raise ContractError('talos_version: unknown version contract %s (supported: v%d.%d to v%d.%d)'
                            % (contract, OLDEST[0], OLDEST[1], CURRENT[0], CURRENT[1]))
    return contract
