# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installer images talos-sim knows, what pulling them looks like, and what the installer prints.

Only references of the forms real Talos releases are published under resolve, and only for the
Talos lines talos-sim emulates:

* ``ghcr.io/siderolabs/installer:vX.Y.Z`` (no Image Factory schematic), up to 1.13 only: from 1.14 on it
  is no longer published (hack/release.toml @ v1.14.0-rc.1), so pulling it fails like any missing image;
* ``<registry>/[<platform>-]installer[-secureboot]/<schematic>:vX.Y.Z`` from the fleet's Image Factory
  (simulator.image_factory): ``<registry>`` is its host:port or its alias ``factory.talos.dev``, the schematic one
  it knows, the version one of its catalogue, the platform one Talos builds installers for (image names parsed as
  siderolabs/image-factory internal/frontend/http/registry.go:parseRequestedImage @ 26b95ca).

Anything else is "not found" at the registry, named in the error. A pulled image is also known by
its pinned reference ``<repository>@sha256:<digest>``, which is what ImageService.Pull answers.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple, Optional

from simulator import image_reference
from simulator.image_factory import catalogue
from simulator.image_factory.factory import FACTORY, PUBLIC_HOST
from simulator.image_factory.schematic import EMPTY_ID
from simulator.versions import TalosVersion, parse

GHCR_REPOSITORY = 'ghcr.io/siderolabs/installer'
# Image Factory's schematic with no customization (Talos's default install image uses it from 1.14 on).
DEFAULT_SCHEMATIC = EMPTY_ID

_GHCR = re.compile(r'^ghcr\.io/siderolabs/installer:(?P<tag>v[0-9A-Za-z.+-]+)$')
_FACTORY = re.compile(r'^(?P<host>[^/]+)/(?P<image>[A-Za-z0-9-]+)/(?P<schematic>[0-9a-f]{64})'
                      r':(?P<tag>v[0-9A-Za-z.+-]+)$')


class InstallerImage(NamedTuple):
    """A Talos release as installed from one installer image."""

    version: TalosVersion
    schematic: Optional[str]  # Image Factory schematic ID; None for the plain ghcr.io installer
    reference: str  # as asked for (tagged)
    platform: str = 'metal'
    secureboot: bool = False  # the -secureboot flavor (a signed UKI)

    @property
    def registry_host(self) -> str:
        return self.reference.split('/', 1)[0]

    @property
    def repository(self) -> str:
        return image_reference.repository(self.reference)

    @property
    def digest(self) -> str:
        return image_reference.digest(self.reference)

    @property
    def pinned(self) -> str:
        return image_reference.pinned(self.reference)


class ImageNotFound(Exception):
    """The registry has no such image (the text is containerd's resolver error)."""


def factory_image(version: TalosVersion, schematic: str, platform: str = 'metal', secureboot: bool = False,
                  host: str = PUBLIC_HOST) -> InstallerImage:
    name = '%s-installer%s' % (platform, '-secureboot' if secureboot else '')
    return InstallerImage(version, schematic, '%s/%s/%s:%s' % (host, name, schematic, version.tag), platform,
                          secureboot)


def default_image(version: TalosVersion) -> InstallerImage:
    """What a machine of this version was installed from: the default install image of its line."""
    if version.at_least(1, 14):
        return factory_image(version, DEFAULT_SCHEMATIC)
    return InstallerImage(version, None, '%s:%s' % (GHCR_REPOSITORY, version.tag))


def boot_image(version: TalosVersion, schematic: Optional[str], platform: str, secureboot: bool) -> InstallerImage:
    """What a machine was installed from: its line's default image, or (``up --schematic``) the fleet factory's
    image of its schematic; a SecureBoot or cloud machine always from an Image Factory flavor."""
    if schematic is not None:
        return factory_image(version, schematic, platform, secureboot, FACTORY.host or PUBLIC_HOST)
    if secureboot or platform != 'metal':
        return factory_image(version, DEFAULT_SCHEMATIC, platform, secureboot)
    return default_image(version)


def _flavor(image_name: str) -> Optional[tuple[str, bool]]:
    """(platform, secureboot) of a factory installer image name; None for a name the factory has no image for."""
    for suffix, secureboot in (('installer-secureboot', True), ('installer', False)):
        if image_name == suffix:
            return 'metal', secureboot
        platform = image_name[:-len(suffix) - 1] if image_name.endswith('-' + suffix) else ''
        if platform:
            return (platform, secureboot) if platform in catalogue.PLATFORMS else None
    return None


def _factory_image(match: 're.Match[str]') -> Optional[InstallerImage]:
    flavor = _flavor(match.group('image'))
    version = catalogue.release(match.group('tag'))
    if (match.group('host') not in FACTORY.registry_hosts or flavor is None or version is None
            or FACTORY.get(match.group('schematic')) is None):
        return None
    return InstallerImage(version, match.group('schematic'), match.group(0), *flavor)


def _ghcr_image(match: 're.Match[str]') -> Optional[InstallerImage]:
    try:
        version = parse(match.group('tag'))
    except ValueError:
        return None
    if version.at_least(1, 14) or version.tag != match.group('tag'):
        return None
    return InstallerImage(version, None, match.group(0))


def resolve(reference: str) -> InstallerImage:
    """The release behind a tagged installer reference; ImageNotFound for anything a registry wouldn't have."""
    ref = reference.strip()
    ghcr, factory = _GHCR.match(ref), _FACTORY.match(ref)
    image = _ghcr_image(ghcr) if ghcr else _factory_image(factory) if factory else None
    if image is None:
        raise ImageNotFound('failed to resolve reference "%s": %s: not found' % (reference, reference))
    return image


def pinned_repository(reference: str) -> Optional[str]:
    match = image_reference.PINNED.match(reference.strip())
    return match.group('repository') if match else None


def layers(image: InstallerImage) -> list[tuple[str, int]]:
    """(layer digest, size) of the image's layers, stable per reference."""
    seed = hashlib.sha256(image.reference.encode()).digest()
    return [('sha256:' + hashlib.sha256(seed + bytes([index])).hexdigest(), 1 << (20 + index * 3))
            for index in range(2)]


# Per target line: oldest host release it upgrades from, first host release too new to downgrade from
# (pkg/machinery/compatibility/talos11{2,3,4,5}/talos11*.go:MinimumHostUpgradeVersion, MaximumHostDowngradeVersion
# @ main).
_HOST_RANGE = {12: ((1, 10, 0), (1, 14, 0)), 13: ((1, 11, 0), (1, 15, 0)), 14: ((1, 12, 0), (1, 16, 0)),
               15: ((1, 13, 0), (1, 17, 0))}
EXIT_ENVIRONMENT = 4  # pkg/installer/exitcode/exitcode.go:Resolve @ v1.14.0-rc.1 (1.13 and older: always 1)


def preflight(host: TalosVersion, target: TalosVersion) -> Optional[str]:
    """The upgrade installer's pre-flight check of the host version; its error, or None
    (cmd/installer/pkg/install/preflight.go:talosVersion, pkg/machinery/compatibility/talos_version.go:UpgradeableFrom
    @ v1.14.0-rc.1; versions print without the leading v, as semver does)."""
    oldest, too_new = _HOST_RANGE[target.minor]
    core = (host.major, host.minor, host.patch)
    host_text, target_text = host.tag[1:], target.tag[1:]
    if core < oldest:
        return 'host version %s is too old to upgrade to Talos %s' % (host_text, target_text)
    if core >= too_new:
        return 'host version %s is too new to downgrade to Talos %s' % (host_text, target_text)
    return None


def run(host: TalosVersion, current: InstallerImage, target: InstallerImage, fail: bool) -> tuple[list[str], int]:
    """(lines, exit code) of an upgrade installer run on a host running ``host``."""
    lines = ['running pre-flight checks', 'host Talos version: %s' % host.tag]
    refused = preflight(host, target.version)
    if refused is not None:
        code = EXIT_ENVIRONMENT if target.version.at_least(1, 14) else 1
        return lines + ['pre-flight checks failed: %s' % refused], code
    lines.append('all pre-flight checks successful')
    lines += upgrade_output(current, target, fail)
    return lines, 1 if fail else 0


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
