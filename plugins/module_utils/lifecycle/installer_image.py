# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos installer image references: the version tag and Image Factory schematic they name.

Image Factory references look like ``factory.talos.dev/<platform>-installer[-secureboot]/<schematic>:<tag>``
(or ``.../installer/<schematic>:<tag>``); the schematic ID is 64 hex digits. Plain installers
(``ghcr.io/siderolabs/installer:<tag>``) carry no schematic.

Private module: free to change between releases.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.version import parse_version

FACTORY = 'factory.talos.dev'
GHCR_INSTALLER = 'ghcr.io/siderolabs/installer'
_SCHEMATIC = re.compile(r'/([0-9a-f]{64})(?::[^/@]*)?(?:@sha256:[0-9a-f]{64})?$')
_TAG = re.compile(r':([^/:@]+)(?:@sha256:[0-9a-f]{64})?$')


class InstallerImage(NamedTuple):
    reference: str
    tag: Optional[str]  # a semantic version tag such as v1.14.1; None if the reference names none
    schematic: Optional[str]


def parse_image(reference: str) -> InstallerImage:
    ref = reference.strip()
    tag_match = _TAG.search(ref)
    tag = tag_match.group(1) if tag_match and parse_version(tag_match.group(1)) else None
    schematic_match = _SCHEMATIC.search(ref)
    return InstallerImage(ref, tag, schematic_match.group(1) if schematic_match else None)


# Image Factory's schematic without customization: talosctl's default installer from 1.14 on
# (pkg/images/images.go:DefaultInstallerImageSchematic in Talos v1.14).
DEFAULT_SCHEMATIC = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'


def ghcr_published(tag: str) -> bool:
    """ghcr.io/siderolabs/installer is no longer published from Talos 1.14 on (Talos 1.14 release notes)."""
    version = parse_version(tag)
    return version is not None and (version.major, version.minor) < (1, 14)


def factory_image(registry: Optional[str], platform: str, secureboot: bool, schematic: str, tag: str) -> str:
    """``<registry>/<platform>-installer[-secureboot]/<schematic>:<tag>``, the default registry when none is
    given (pkg/images/images.go:NewInstallerImage @ v1.14.0-rc.1; the -secureboot flavour is the factory's)."""
    return '%s/%s-installer%s/%s:%s' % (registry or FACTORY, platform, '-secureboot' if secureboot else '',
                                        schematic, tag)


def image_for(tag: str, schematic: Optional[str], platform: Optional[str], secureboot: bool = False,
              factory: Optional[str] = None) -> str:
    """The installer of a version for a node: its Image Factory's, for its schematic, platform and SecureBoot;
    without a schematic the plain ghcr.io installer while it is published (it has no SecureBoot flavour), else
    Image Factory's default schematic."""
    platform = (platform or 'metal').lower()
    if schematic:
        return factory_image(factory, platform, secureboot, schematic, tag)
    if ghcr_published(tag) and not secureboot:
        return '%s:%s' % (GHCR_INSTALLER, tag)
    return factory_image(None, platform, secureboot, DEFAULT_SCHEMATIC, tag)


def registry_of(reference: str) -> Optional[str]:
    """The registry host of an image reference when its first component names one (has a dot or a port)."""
    first, _slash, rest = reference.partition('/')
    return first if rest and ('.' in first or ':' in first or first == 'localhost') else None
