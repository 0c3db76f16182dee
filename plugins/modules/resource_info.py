#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: resource_info
short_description: Read Talos resources (what C(talosctl get) shows)
version_added: 0.1.0
description:
  - Reads resources of one type from the Talos resource API (COSI), by full type name or alias, as
    C(talosctl get) does; returns their metadata and spec as data.
  - Queries every node concurrently over one connection.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  type:
    description:
      - Resource type, as its full name (V(MachineStatuses.runtime.talos.dev)), its display name
        (V(MachineStatus)) or an alias (V(members), V(machinestatus), V(nodeaddresses), ...); case does not matter.
    type: str
    required: true
  namespace:
    description: Namespace to read; defaults to the type's default namespace.
    type: str
  id:
    description:
      - Read only the resource with this ID. A missing resource gives an empty RV(resources) list, not an error.
    type: str
  nodes:
    description:
      - Nodes to read from. Defaults to the inventory host's node, else the context's nodes, else the node
        behind the endpoint.
    type: list
    elements: str
  include_sensitive:
    description:
      - Return the spec of sensitive types (machine configs, secrets), which hold key material. By default
        their spec is V(null).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Never changes anything.
'''

EXAMPLES = r'''
- name: Cluster members as the discovery registry sees them
  talos.linux.resource_info:
    type: members
  register: members

- name: Addresses of each node
  talos.linux.resource_info:
    type: nodeaddresses
    id: current
  register: addresses

- name: Wait until the machine reports ready
  talos.linux.resource_info:
    type: machinestatus
    id: machine
  register: status
  until: status.resources[0].spec.status.ready | default(false)
  retries: 30
  delay: 5
'''

RETURN = r'''
type:
  description: Full name of the resource type read.
  returned: always
  type: str
  sample: MachineStatuses.runtime.talos.dev
namespace:
  description: Namespace read.
  returned: always
  type: str
  sample: runtime
sensitive:
  description: Whether the type is sensitive (its spec is returned only with O(include_sensitive=true)).
  returned: always
  type: bool
resources:
  description: The resources, from every node in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    node:
      description: Node the resource was read from.
      type: str
    metadata:
      description: Namespace, type, id, version, owner, phase, created, updated, labels, annotations, finalizers.
      type: dict
    spec:
      description: The spec as Talos renders it (a mapping, list or scalar depending on the type).
      type: raw
node:
  description: The node the error that failed the task concerns; V(null) when unknown.
  returned: failure
  type: str
grpc_code:
  description: The gRPC status code of the error that failed the task; V(null) when no API call failed.
  returned: failure
  type: str
  sample: UNAVAILABLE
endpoint:
  description: The endpoint the failing call went through; V(null) when unknown.
  returned: failure
  type: str
'''

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.node.resource_info import read_resources


@TalosModule.entry_point(
    argument_spec={
        'type': {'type': 'str', 'required': True},
        'namespace': {'type': 'str'},
        'id': {'type': 'str'},
        'nodes': {'type': 'list', 'elements': 'str'},
        'include_sensitive': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    settings = talos.connection_settings(params['nodes'])
    nodes = settings.nodes or [None]

    async def read(client):
        return await client.for_nodes(nodes, lambda node: read_resources(
            client, node, params['type'], params['namespace'], params['id'], params['include_sensitive']))

    results = talos.run(settings, read)
    found: list[dict] = []
    first: dict = {}
    for node, result in results.items():
        if isinstance(result, Exception):
            talos.fail(result)
        first = first or result
        found += [dict(resource, node=settings.node_label(node)) for resource in result['resources']]
    talos.module.exit_json(changed=False, type=first['type'], namespace=first['namespace'],
                           sensitive=first['sensitive'], resources=found)


if __name__ == '__main__':
    main()
