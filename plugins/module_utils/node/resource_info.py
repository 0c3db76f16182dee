# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""COSI resource reads by type or alias, as ``talosctl get`` resolves them.

A type is found among the node's ResourceDefinitions (namespace ``meta``) by its full name, its
display name or any alias, case-insensitively; the definition also gives the default namespace and
whether the type is sensitive. Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

RESOURCE_DEFINITIONS = ('meta', 'ResourceDefinitions.meta.cosi.dev')


@dataclass
class ResourceType:
    name: str
    default_namespace: str
    sensitive: bool


def _names(definition: dict[str, Any]) -> set[str]:
    spec = definition['spec'] or {}
    names = {definition['metadata']['id'], str(spec.get('type', '')), str(spec.get('displayType', ''))}
    names.update(spec.get('aliases') or [])
    names.update(spec.get('allAliases') or [])
    return {name.lower() for name in names if name}


async def resolve_type(client: TalosClient, type_or_alias: str, node: str | None) -> ResourceType:
    wanted = type_or_alias.lower()
    known = []
    async for definition in client.list_resources(*RESOURCE_DEFINITIONS, node=node):
        spec = definition['spec'] or {}
        if wanted in _names(definition):
            return ResourceType(spec['type'], spec.get('defaultNamespace') or '',
                                spec.get('sensitivity') == 'sensitive')
        known.append(spec.get('type', definition['metadata']['id']))
    raise TalosError('unknown resource type %r (the node knows %d types, e.g. %s)'
                     % (type_or_alias, len(known), ', '.join(sorted(known)[:5])), code='NOT_FOUND', node=node)


async def read_resources(client: TalosClient, node: str | None, type_or_alias: str, namespace: str | None,
                         resource_id: str | None, include_sensitive: bool) -> dict[str, Any]:
    """{type, namespace, sensitive, resources: [...]} for one node; a missing id gives no resources."""
    rtype = await resolve_type(client, type_or_alias, node)
    namespace = namespace or rtype.default_namespace
    if resource_id is not None:
        try:
            resources = [await client.get_resource(namespace, rtype.name, resource_id, node=node)]
        except TalosError as exc:
            if exc.code != 'NOT_FOUND':
                raise
            resources = []
    else:
        resources = [r async for r in client.list_resources(namespace, rtype.name, node=node)]
    if rtype.sensitive and not include_sensitive:
        for resource in resources:
            resource['spec'] = None  # key material: only on request
    return {'type': rtype.name, 'namespace': namespace, 'sensitive': rtype.sensitive, 'resources': resources}
