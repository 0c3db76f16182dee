# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the factory serves a schematic's artifacts for a Talos version, platform and architecture.

File names are Talos's (siderolabs/talos ``pkg/machinery/platforms/platforms.go``: ``ISOPath``,
``DiskImagePath``, ``SecureBoot*Path`` and each platform's disk image suffix and boot methods @ v1.14.0-rc.1),
served under ``/image/<schematic>/<version>/`` (siderolabs/image-factory ``internal/frontend/http/http.go``
@ 26b95ca); the installer is ``<registry>/<platform>-installer[-secureboot]/<schematic>:<version>``
(image-factory ``docs/api.md`` @ 26b95ca), the registry being the factory's own host.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


class Platform(NamedTuple):
    disk_image_suffix: str  # empty: the factory builds no disk image for it
    iso: bool  # whether it boots from an ISO
    secureboot: bool  # whether it has SecureBoot flavours


PLATFORMS: dict[str, Platform] = {
    'metal': Platform('raw.zst', True, True),
    'aws': Platform('raw.xz', False, False),
    'gcp': Platform('raw.tar.gz', False, False),
    'equinixMetal': Platform('', False, False),
    'azure': Platform('vhd.xz', False, True),
    'digital-ocean': Platform('raw.gz', False, False),
    'nocloud': Platform('raw.xz', True, True),
    'openstack': Platform('raw.xz', True, False),
    'vmware': Platform('ova', True, False),
    'akamai': Platform('raw.gz', False, False),
    'cloudstack': Platform('raw.gz', False, True),
    'hcloud': Platform('raw.xz', False, False),
    'oracle': Platform('qcow2', False, False),
    'upcloud': Platform('raw.xz', False, False),
    'vultr': Platform('', True, False),
    'exoscale': Platform('qcow2', False, False),
    'opennebula': Platform('raw.zst', True, False),
    'scaleway': Platform('raw.zst', True, False),
    'alibabacloud': Platform('qcow2', False, False),
}

ARCHITECTURES = ('amd64', 'arm64')


def version_tag(version: str) -> str:
    """A Talos version as the factory's tags write it: with a leading ``v``."""
    return version if version.startswith('v') else 'v' + version


def urls(factory_url: str, registry: str, schematic_id: str, version: str, platform: str = 'metal',
         arch: str = 'amd64', secureboot: bool = False) -> dict[str, str | None]:
    """The installer image reference and the ISO and disk image URLs (None where the platform has none)."""
    if secureboot and not PLATFORMS[platform].secureboot:
        raise TalosError('secureboot: platform %s has no SecureBoot images (those that do: %s)' % (
            platform, ', '.join(name for name, meta in PLATFORMS.items() if meta.secureboot)))
    tag = version_tag(version)
    flavour = '-secureboot' if secureboot else ''
    base = '%s/image/%s/%s/' % (factory_url.rstrip('/'), schematic_id, tag)
    meta = PLATFORMS[platform]
    stem = '%s-%s%s' % (platform, arch, flavour)
    return {
        'installer': '%s/%s-installer%s/%s:%s' % (registry, platform, flavour, schematic_id, tag),
        'iso': base + stem + '.iso' if meta.iso else None,
        'disk_image': base + stem + '.' + meta.disk_image_suffix if meta.disk_image_suffix else None,
    }
