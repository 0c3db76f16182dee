# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos version tags (``v1.13.0-alpha.2``) compared the semver way, and what each line offers.

Private module: free to change between releases.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

_TAG = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$')


class TalosVersion(NamedTuple):
    major: int
    minor: int
    patch: int
    prerelease: tuple = ()

    def key(self) -> tuple:
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric ones.
        parts = tuple((0, int(part), '') if part.isdigit() else (1, 0, part) for part in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, parts)

    def __lt__(self, other: object) -> bool:
        return self.key() < other.key() if isinstance(other, TalosVersion) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.key() > other.key() if isinstance(other, TalosVersion) else NotImplemented


def parse_version(tag: Optional[str]) -> Optional[TalosVersion]:
    """The version of a tag, or None when it is not a semantic version."""
    match = _TAG.match((tag or '').strip())
    if not match:
        return None
    prerelease = tuple(match.group(4).split('.')) if match.group(4) else ()
    return TalosVersion(int(match.group(1)), int(match.group(2)), int(match.group(3)), prerelease)


# talosctl uses LifecycleService for upgrades when the node is in (1.13.0-alpha.2, 2.0.0).
_LIFECYCLE_FROM = TalosVersion(1, 13, 0, ('alpha', '2'))
_LIFECYCLE_BEFORE = TalosVersion(2, 0, 0)


def has_lifecycle_service(tag: Optional[str]) -> bool:
    """Whether a node of this version upgrades through ImageService.Pull + LifecycleService.Upgrade."""
    version = parse_version(tag)
    return version is not None and _LIFECYCLE_FROM < version < _LIFECYCLE_BEFORE
