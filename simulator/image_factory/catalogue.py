# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What talos-sim's factory offers: Talos releases, official extensions and overlays per release, platforms.

A small fixed catalogue (the real factory reads it from its registries): the releases of the lines talos-sim
emulates, a handful of official extensions and one overlay. Extension and overlay entries are answered in the
shapes of siderolabs/image-factory internal/frontend/http/meta.go:handleOfficialExtensions,
handleOfficialOverlays and pkg/client/client.go:ExtensionInfo, OverlayInfo @ 26b95ca.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple, Optional

from simulator.versions import TalosVersion, parse

# Patch releases per line (v1.12.0..v1.12.11, v1.13.0..v1.13.9, v1.14.0..v1.14.3, v1.15.0).
_NEWEST_PATCH = {12: 11, 13: 9, 14: 3, 15: 0}
VERSIONS: tuple[str, ...] = tuple('v1.%d.%d' % (minor, patch) for minor, newest in sorted(_NEWEST_PATCH.items())
                                  for patch in range(newest + 1))

# Platform names an installer image may be built for, with the mode Talos reports for each
# (pkg/machinery/platforms/platforms.go @ v1.14.0-rc.1; every platform but metal runs in cloud mode).
PLATFORMS = ('metal', 'aws', 'gcp', 'equinixMetal', 'azure', 'digital-ocean', 'nocloud', 'openstack', 'vmware',
             'akamai', 'cloudstack', 'hcloud', 'oracle', 'upcloud', 'vultr', 'exoscale', 'opennebula', 'scaleway',
             'alibabacloud')


def platform_mode(platform: str) -> str:
    return 'metal' if platform == 'metal' else 'cloud'


class Extension(NamedTuple):
    name: str  # repository path, as schematics list it (siderolabs/iscsi-tools)
    version: str  # the extension's own version for a Talos line
    description: str

    @property
    def short_name(self) -> str:
        """The name in the extension's manifest, which ExtensionStatus shows."""
        return self.name.rsplit('/', 1)[-1]

    @property
    def ref(self) -> str:
        return 'ghcr.io/%s:%s' % (self.name, self.version)

    @property
    def digest(self) -> str:
        return 'sha256:' + hashlib.sha256(self.ref.encode()).hexdigest()

    def info(self) -> dict[str, str]:
        return {'name': self.name, 'ref': self.ref, 'digest': self.digest, 'author': 'Sidero Labs',
                'description': self.description}


class Overlay(NamedTuple):
    name: str
    image: str
    version: str

    @property
    def ref(self) -> str:
        return 'ghcr.io/%s:%s' % (self.image, self.version)

    def info(self) -> dict[str, str]:
        return {'name': self.name, 'image': self.image, 'ref': self.ref,
                'digest': 'sha256:' + hashlib.sha256(self.ref.encode()).hexdigest()}


# (name, description); each line ships its own build (version) of every extension.
_EXTENSIONS = (
    ('siderolabs/iscsi-tools', 'This system extension provides iscsi-tools.'),
    ('siderolabs/qemu-guest-agent', 'This system extension provides the QEMU Guest Agent service.'),
    ('siderolabs/util-linux-tools', 'This system extension provides util-linux tools.'),
    ('siderolabs/zfs', 'This system extension provides the ZFS kernel module and user space tools.'),
)
_EXTENSION_VERSIONS = {12: 'v0.2.0', 13: 'v0.3.0', 14: 'v0.4.0', 15: 'v0.5.0'}
_OVERLAYS = (('rpi_generic', 'siderolabs/sbc-raspberrypi'), ('rock5b', 'siderolabs/sbc-rockchip'))
_OVERLAY_VERSIONS = {12: 'v0.1.6', 13: 'v0.1.8', 14: 'v0.2.0', 15: 'v0.2.1'}


def release(tag: str) -> Optional[TalosVersion]:
    """The catalogue's release for a tag (with or without the leading v), or None."""
    text = tag if tag.startswith('v') else 'v' + tag
    return parse(text) if text in VERSIONS else None


def extensions(version: TalosVersion) -> list[Extension]:
    return [Extension(name, '%s-%s' % (_EXTENSION_VERSIONS[version.minor], version.tag), description)
            for name, description in _EXTENSIONS]


def overlays(version: TalosVersion) -> list[Overlay]:
    return [Overlay(name, image, _OVERLAY_VERSIONS[version.minor]) for name, image in _OVERLAYS]


def extension(version: TalosVersion, name: str) -> Optional[Extension]:
    return next((item for item in extensions(version) if item.name == name), None)
