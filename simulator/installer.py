# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installer images talos-sim knows, what pulling them looks like, and what the installer prints.

Only references of the forms real Talos releases are published under resolve, and only for the
Talos lines talos-sim emulates:

* ``ghcr.io/siderolabs/installer:vX.Y.Z`` (no Image Factory schematic);
* ``factory.talos.dev/{installer,metal-installer}[-secureboot]/<schematic>:vX.Y.Z`` (64-hex schematic ID).

Anything else is "not found" at the registry, named in the error. A pulled image is also known by
its pinned reference ``<repository>@sha256:<digest>``, which is what ImageService.Pull answers.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple, Optional

from simulator.versions import TalosVersion, parse

GHCR_REPOSITORY = 'ghcr.io/siderolabs/installer'
FACTORY = 'factory.talos.dev'
# Image Factory's schematic with no customization (Talos's default install image uses it from 1.14 on).
DEFAULT_SCHEMATIC = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'

_GHCR = re.compile(r'^ghcr\.io/siderolabs/installer:(?P<tag>v[0-9A-Za-z.+-]+)$')
_FACTORY = re.compile(r'^factory\.talos\.dev/(?:metal-)?installer(?:-secureboot)?/(?P<schematic>[0-9a-f]{64})'
                      r':(?P<tag>v[0-9A-Za-z.+-]+)$')
_PINNED = re.compile(r'^(?P<repository>[^@]+)@sha256:[0-9a-f]{64}$')


class InstallerImage(NamedTuple):
    """A Talos release as installed from one installer image."""

    version: TalosVersion
    schematic: Optional[str]  # Image Factory schematic ID; None for the plain ghcr.io installer
    reference: str  # as asked for (tagged)

    @property
    def repository(self) -> str:
        return self.reference.rsplit(':', 1)[0]

    @property
    def digest(self) -> str:
        return 'sha256:' + hashlib.sha256(self.reference.encode()).hexdigest()

    @property
    def pinned(self) -> str:
        return '%s@%s' % (self.repository, self.digest)


class ImageNotFound(Exception):
    """The registry has no such image (the text is containerd's resolver error)."""


def default_image(version: TalosVersion) -> InstallerImage:
    """What a machine of this version was installed from: the default install image of its line."""
    if version.at_least(1, 14):
        return InstallerImage(version, DEFAULT_SCHEMATIC,
                              '%s/metal-installer/%s:%s' % (FACTORY, DEFAULT_SCHEMATIC, version.tag))
    return InstallerImage(version, None, '%s:%s' % (GHCR_REPOSITORY, version.tag))


def resolve(reference: str) -> InstallerImage:
    """The release behind a tagged installer reference; ImageNotFound for anything a registry wouldn't have."""
    ref = reference.strip()
    match = _GHCR.match(ref) or _FACTORY.match(ref)
    if match is not None:
        try:
            version = parse(match.group('tag'))
        except ValueError:
            version = None
        if version is not None and version.tag == match.group('tag'):
            return InstallerImage(version, match.groupdict().get('schematic'), ref)
    raise ImageNotFound('failed to resolve reference "%s": %s: not found' % (reference, reference))


def pinned_repository(reference: str) -> Optional[str]:
    match = _PINNED.match(reference.strip())
    return match.group('repository') if match else None


def layers(image: InstallerImage) -> list[tuple[str, int]]:
    """(layer digest, size) of the image's layers, stable per reference."""
    seed = hashlib.sha256(image.reference.encode()).digest()
    return [('sha256:' + hashlib.sha256(seed + bytes([index])).hexdigest(), 1 << (20 + index * 3))
            for index in range(2)]


def upgrade_output(current: InstallerImage, target: InstallerImage, fail: bool) -> list[str]:
    """Lines the installer container prints for an upgrade; a failing run ends with its error."""
    lines = [
        'running installer %s (upgrade from %s)' % (target.version.tag, current.version.tag),
        'validating system disk /dev/sda',
        'probing bootloader on /dev/sda',
        'writing kernel and initramfs of %s to the BOOT-B slot' % target.version.tag,
    ]
    if fail:
        return lines + ['error: failed to write the bootloader configuration: input/output error']
    if target.schematic:
        lines.append('installed system extensions of schematic %s' % target.schematic)
    return lines + ['updated the bootloader to boot %s next' % target.version.tag,
                    'installation of %s complete' % target.version.tag]
