# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node runs, as far as choosing its next installer goes: version, platform, SecureBoot, Image Factory
schematic (and the factory it came from), other system extensions, and its kubelet's Kubernetes version.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple, Optional
from urllib.parse import urlsplit

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import parse_version
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.installer_image import parse_image

EXTENSIONS = ('runtime', 'ExtensionStatuses.runtime.talos.dev')
SCHEMATIC_EXTENSION = 'schematic'  # Image Factory's virtual extension: its version is the schematic ID
# Talos 1.14+ publishes the schematic and its factory (pkg/machinery/resources/runtime/image_factory_schematic.go
# @ v1.14.0-rc.1, derived from the schematic extension's author by controllers/runtime/image_factory_schematic.go).
FACTORY_SCHEMATIC = ('runtime', 'ImageFactorySchematics.runtime.talos.dev', 'image-factory-schematic')
# pkg/machinery/resources/runtime/security_status.go @ v1.14.0-rc.1
SECURITY_STATE = ('runtime', 'SecurityStates.talos.dev', 'securitystate')
# pkg/machinery/resources/k8s/kubelet_spec.go @ v1.14.0-rc.1: the kubelet image, tagged with its version
KUBELET_SPEC = ('k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')


class NodeImage(NamedTuple):
    version: str
    platform: str  # lowercased, as the installer image names it
    secureboot: bool
    schematic: Optional[str]
    factory: Optional[str]  # registry host of the node's Image Factory; None when the node does not say
    custom_extensions: bool  # system extensions besides Image Factory's schematic
    kubernetes: Optional[str]  # the kubelet's version; None before Kubernetes is configured


def _absent(exc: TalosError) -> bool:
    """No such resource, or a type this Talos does not have (its access filter refuses unknown types)."""
    return exc.code == 'NOT_FOUND' or (exc.code == 'PERMISSION_DENIED' and 'is not supported' in exc.message)


async def _spec(client: Any, key: tuple[str, str, str], node: Optional[str]) -> Optional[dict[str, Any]]:
    """A resource's spec, None when the node has no such resource (older Talos, not configured yet)."""
    try:
        return (await client.get_resource(*key, node=node))['spec'] or {}
    except TalosError as exc:
        if _absent(exc):
            return None
        raise


async def _nothing() -> None:
    return None


async def _extensions(client: Any, node: Optional[str]) -> tuple[Optional[str], bool]:
    """(the schematic extension's version or None, whether other system extensions run)."""
    schematic, others = None, False
    async for extension in client.list_resources(*EXTENSIONS, node=node):
        metadata = (extension['spec'] or {}).get('metadata') or {}
        if metadata.get('name') == SCHEMATIC_EXTENSION:
            schematic = metadata.get('version') or None
        else:
            others = True
    return schematic, others


def factory_host(api_url: str) -> Optional[str]:
    """The registry host of a factory's API URL (its host[:port]); None for an empty URL, which Talos reads as
    the default factory (pkg/images/images.go:NewInstallerImage @ v1.14.0-rc.1)."""
    return urlsplit(api_url).netloc or None


async def node_schematic(client: Any, node: Optional[str],
                         version: str) -> tuple[Optional[str], Optional[str], bool]:
    """(schematic ID, factory host, whether other system extensions run): the ID and factory from
    ImageFactorySchematic on 1.14+, else the ID from the schematic extension's version."""
    parsed = parse_version(version)
    has_resource = parsed is not None and (parsed.major, parsed.minor) >= (1, 14)
    # Both reads at once: each is a round trip through the endpoint's apid.
    published, (schematic, others) = await asyncio.gather(
        _spec(client, FACTORY_SCHEMATIC, node) if has_resource else _nothing(), _extensions(client, node))
    if published and published.get('schematicId'):
        return published['schematicId'], factory_host(published.get('apiUrl') or ''), others
    return schematic, None, others


async def kubelet_version(client: Any, node: Optional[str]) -> Optional[str]:
    spec = await _spec(client, KUBELET_SPEC, node)
    return parse_image(spec['image']).tag if spec and spec.get('image') else None


async def read_node_image(client: Any, node: Optional[str]) -> NodeImage:
    """The version first (which resources to read depends on it), then the rest at once."""
    info = await client.version(node)
    security, (schematic, factory, others), kubernetes = await asyncio.gather(
        _spec(client, SECURITY_STATE, node), node_schematic(client, node, info['tag']), kubelet_version(client, node))
    return NodeImage(version=info['tag'], platform=((info.get('platform') or {}).get('name') or 'metal').lower(),
                     secureboot=bool((security or {}).get('secureBoot')), schematic=schematic, factory=factory,
                     custom_extensions=others, kubernetes=kubernetes)
