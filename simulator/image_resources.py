# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resources that tell what a machine was installed from: ExtensionStatuses, ImageFactorySchematic (1.14+) and
SecurityState, derived from the installer image it booted (simulator.lifecycle's ``current``).

Specs are (YAML data, protobuf bytes); the protobuf is Talos's struct-tag encoding (simulator.protoenc).
"""

from __future__ import annotations

from typing import Any, Optional

from simulator import protoenc
from simulator.image_factory import catalogue, schematic as schematics
from simulator.image_factory.factory import FACTORY
from simulator.installer import InstallerImage

EXTENSION_STATUS_TYPE = 'ExtensionStatuses.runtime.talos.dev'
IMAGE_FACTORY_SCHEMATIC_TYPE = 'ImageFactorySchematics.runtime.talos.dev'
IMAGE_FACTORY_SCHEMATIC_ID = 'image-factory-schematic'
SECURITY_STATE_TYPE = 'SecurityStates.talos.dev'
SECURITY_STATE_ID = 'securitystate'
# The factory's name in the schematic extension's author (siderolabs/image-factory pkg/constants/name_ent_off.go
# @ 26b95ca).
FACTORY_NAME = 'Image Factory'

Spec = tuple[Any, bytes]


def _layer(image: str, metadata: dict[str, Any]) -> Spec:
    """extensions.Layer (pkg/machinery/extensions/config.go, metadata.go @ v1.14.0-rc.1)."""
    spec = {'image': image, 'metadata': metadata}
    meta_proto: protoenc.Message = [
        (1, metadata['name']), (2, metadata['version']), (3, metadata['author']), (4, metadata['description']),
        (5, [(1, [(1, metadata['compatibility']['talos']['version'])])]), (6, metadata.get('extraInfo', ''))]
    return spec, protoenc.encode([(1, image), (2, meta_proto)])


def schematic_author(image: InstallerImage) -> str:
    return '%s (%s)' % (FACTORY_NAME, FACTORY.api_url_for(image.registry_host))


def extension_statuses(image: InstallerImage) -> list[Spec]:
    """The official extensions of the image's schematic that the release has, then the factory's virtual
    ``schematic`` extension (siderolabs/image-factory internal/artifacts/schematic.go:schematicExtension @ 26b95ca:
    version = schematic ID, author = "Image Factory (<base URL>)", extraInfo = the schematic's YAML)."""
    if not image.schematic:
        return []
    schematic = FACTORY.get(image.schematic) or schematics.EMPTY
    out = []
    for name in schematics.official_extensions(schematic):
        extension = catalogue.extension(image.version, name)
        if extension is not None:
            out.append(_layer('%03d.sqsh' % len(out), {
                'name': extension.short_name, 'version': extension.version, 'author': 'Sidero Labs',
                'description': extension.description,
                'compatibility': {'talos': {'version': '>= %s' % image.version.tag}}}))
    out.append(_layer('%03d.sqsh' % len(out), {
        'name': 'schematic', 'version': image.schematic, 'author': schematic_author(image),
        'description': 'Virtual extension which specifies the schematic of the image built with schematic.',
        'compatibility': {'talos': {'version': '>= 1.0.0'}},
        'extraInfo': schematics.marshal(schematic)}))
    return out


def image_factory_schematic(image: InstallerImage) -> Optional[Spec]:
    """internal/app/machined/pkg/controllers/runtime/image_factory_schematic.go:Run, parseAuthor @ v1.14.0-rc.1:
    from the ``schematic`` extension: its version, and its author split at the last " (" into flavor and URL."""
    if not image.schematic or not image.version.at_least(1, 14):
        return None
    author = schematic_author(image)
    flavor, _sep, url = author.rpartition(' (')
    spec = {'schematicId': image.schematic, 'flavor': flavor, 'apiUrl': url[:-1]}
    return spec, protoenc.encode([(1, spec['schematicId']), (2, spec['flavor']), (3, spec['apiUrl'])])


def security_state(image: InstallerImage, firmware_secureboot: bool) -> Spec:
    """pkg/machinery/resources/runtime/security_status.go @ v1.14.0-rc.1: secureBoot is on when the firmware
    enforces it and the machine booted a signed UKI (the -secureboot flavor); a plain flavor boots without it.
    The installer refuses neither flavor (cmd/installer/pkg/install/install.go @ v1.14.0-rc.1 probes the
    bootloader on disk, never the image flavor), so what was installed shows here after the reboot."""
    spec: dict[str, Any] = {'secureBoot': firmware_secureboot and image.secureboot}
    if image.secureboot:
        spec['bootedWithUKI'] = True
    return spec, protoenc.encode([(1, spec['secureBoot']), (5, image.secureboot)])
