# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What image_factory_info reports: the factory's versions, its catalogue for one version, a schematic's images.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.imagefactory import artifacts
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import FactoryClient, FactoryError


def factory_info(client: FactoryClient, talos_version: str | None, schematic_id: str | None,
                 platform: str, arch: str, secureboot: bool) -> dict[str, Any]:
    result: dict[str, Any] = {'versions': client.versions()}
    if talos_version is None:
        return result
    tag = artifacts.version_tag(talos_version)
    result['extensions'] = client.official_extensions(tag)
    result['overlays'] = client.official_overlays(tag)
    if schematic_id is None:
        return result
    urls = artifacts.urls(client.url, client.registry, schematic_id, tag, platform, arch, secureboot)
    stored = client.schematic(schematic_id)
    if stored is None:
        raise FactoryError('schematic_id: the Image Factory at %s does not know schematic %s (create it with '
                           'talos.linux.image_factory_schematic)' % (client.url, schematic_id),
                           '%s/schematics/%s' % (client.url, schematic_id), 404)
    result.update(schematic=stored, urls=urls)
    return result
