# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Talos versions talos-sim emulates, and what differs between them."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

SUPPORTED_MINORS = (12, 13, 14, 15)  # 1.15 is upstream's main branch (the next line)
# The default is the newest release of the newest line: 1.14.0 is emulated from its last tag, v1.14.0-rc.1
# (no 1.14 patch release exists yet whose changes we could check); 1.15 is development, never a default.
DEFAULT_VERSION = 'v1.14.0'

# Go toolchain each line was built with (reported by Version.go_version): go.mod's ``go`` line at
# v1.12.11, v1.13.9, v1.14.0-rc.1 and main.
GO_VERSIONS = {12: 'go1.25.12', 13: 'go1.26.6', 14: 'go1.26.5', 15: 'go1.26.7'}

# Behaviour that arrived in patch releases: the first release of each line that has it (later lines all do).
# ApplyConfiguration's one-at-a-time guard and the refusal after an apply that reboots:
# internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:ApplyConfiguration, commit 045146c1d
# "fix: guard apply config API call" (first in v1.12.9) and 01b434870 (first in v1.13.3).
APPLY_GUARD = ((1, 12, 9), (1, 13, 3), (1, 14, 0))
# The legacy Upgrade skips its etcd checks for ``preserve`` (same file, Upgrade; 3c576021e / cf62af3e2
# "fix: etcd client leak in the (legacy) Upgrade API", first in v1.12.9 and v1.13.4).
PRESERVE_SKIPS_ETCD_CHECKS = ((1, 12, 9), (1, 13, 4), (1, 14, 0))

# Services that a Talos line does not have at all: grpc-go answers "unknown service".
SERVICES_SINCE = {
    'machine.LifecycleService': (1, 13),
    'machine.ImageService': (1, 13),
}

_TAG = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$')


class TalosVersion(NamedTuple):
    major: int
    minor: int
    patch: int
    suffix: str = ''

    @property
    def tag(self) -> str:
        return 'v%d.%d.%d%s' % (self.major, self.minor, self.patch, self.suffix)

    @property
    def line(self) -> tuple[int, int]:
        return (self.major, self.minor)

    @property
    def go_version(self) -> str:
        return GO_VERSIONS[self.minor]

    @property
    def sha(self) -> str:
        # A stable stand-in for the git commit Talos was built from (8 hex digits like Talos prints).
        return hashlib.sha1(self.tag.encode()).hexdigest()[:8]

    def at_least(self, major: int, minor: int) -> bool:
        return self.line >= (major, minor)

    def has(self, first_releases: tuple[tuple[int, int, int], ...]) -> bool:
        """Whether this release has a change first shipped in ``first_releases`` (one per line, oldest line first)."""
        for first in first_releases:
            if first[:2] == self.line:
                return (self.major, self.minor, self.patch) >= first
        return self.line > first_releases[-1][:2]

    def __str__(self) -> str:
        return self.tag


def parse(text: str) -> TalosVersion:
    """Parse and check a version the simulator can emulate; ValueError with a readable message otherwise."""
    match = _TAG.match(text.strip())
    if not match:
        raise ValueError('invalid Talos version %r: expected vMAJOR.MINOR.PATCH, e.g. %s' % (text, DEFAULT_VERSION))
    version = TalosVersion(int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4) or '')
    if version.major != 1 or version.minor not in SUPPORTED_MINORS:
        raise ValueError('Talos %s is not emulated: talos-sim emulates %s' % (
            version.tag, ', '.join('v1.%d.x' % m for m in SUPPORTED_MINORS)))
    return version


def service_available(version: TalosVersion, service: str) -> bool:
    since = SERVICES_SINCE.get(service)
    return since is None or version.line >= since
