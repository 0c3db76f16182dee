# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Talos versions talos-sim emulates, and what differs between them."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

SUPPORTED_MINORS = (12, 13, 14)
DEFAULT_VERSION = 'v1.14.0'

# Go toolchain each line was built with (reported by Version.go_version).
GO_VERSIONS = {12: 'go1.25.5', 13: 'go1.26.1', 14: 'go1.26.5'}

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
