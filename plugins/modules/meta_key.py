#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: meta_key
short_description: Write or delete Talos META keys
version_added: 0.1.0
description:
  - Sets a key of a Talos machine's META partition (a small key-value store that survives reboots and
    upgrades, used for example for platform network configuration) or deletes it.
  - Reads the current value first and writes only when it differs.
  - Needs the C(os:admin) role, or C(os:meta:writer) on Talos 1.13 and later.
  - Formerly named C(talos.linux.meta), which collides with Ansible's built-in C(meta) action in a play that
    lists C(talos.linux) under C(collections). The old name still works, with a deprecation warning, until 2.0.0.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  key:
    description: META key, 0 to 255, as a number or a string such as V(0x0a).
    type: str
    required: true
  value:
    description: Value to store. Required with O(state=present).
    type: str
  state:
    description: Whether the key holds O(value) or does not exist.
    type: str
    choices: [present, absent]
    default: present
  nodes:
    description:
      - Nodes to change. Unset, the inventory host's node, else the context's nodes, else the node
        behind the endpoint. An empty list (or an empty entry) is an error, not "every node of the context".
    type: list
    elements: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the old and new value of the key on each node.
  idempotent:
    support: full
'''

EXAMPLES = r'''
- name: Give machines their network configuration before installing
  talos.linux.meta_key:
    key: 0x0a
    value: "{{ lookup('ansible.builtin.file', 'network-' ~ inventory_hostname ~ '.yaml') }}"

- name: Remove it again
  talos.linux.meta_key:
    key: 0x0a
    state: absent
'''

RETURN = r'''
nodes:
  description: What happened on each node.
  returned: always
  type: list
  elements: dict
  contains:
    node:
      description: The node.
      type: str
    changed:
      description: Whether the key was (or in check mode would be) changed on this node.
      type: bool
    before:
      description: Value before; V(null) when the key did not exist.
      type: str
    after:
      description: Value after; V(null) when the key does not exist.
      type: str
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
from ansible_collections.talos.linux.plugins.module_utils.node.meta import ensure, parse_key


def value_diff(header: str, before: str | None, after: str | None) -> dict[str, str]:
    def text(value: str | None) -> str:
        return '' if value is None else value + '\n'
    return {'before_header': header, 'after_header': header, 'before': text(before), 'after': text(after)}


@TalosModule.entry_point(
    argument_spec={
        'key': {'type': 'str', 'required': True, 'no_log': False},
        'value': {'type': 'str'},
        'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
        'nodes': {'type': 'list', 'elements': 'str'},
    },
    required_if=[('state', 'present', ['value'])],
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    key = parse_key(params['key'])
    settings = talos.connection_settings(params['nodes'])
    nodes = settings.nodes or [None]
    present = params['state'] == 'present'

    async def apply(client):
        return await client.for_nodes(nodes, lambda node: ensure(client, node, key, params['value'], present,
                                                                 talos.module.check_mode))

    results = talos.run(settings, apply)
    report = []
    for node, result in results.items():
        if isinstance(result, Exception):
            talos.fail(result, nodes=report)
        report.append(dict(result, node=settings.node_label(node)))
    changed = any(entry['changed'] for entry in report)
    diff = [value_diff('%s META 0x%02x' % (entry['node'], key), entry['before'], entry['after'])
            for entry in report if entry['changed']]
    talos.module.exit_json(changed=changed, nodes=report, diff=diff)


if __name__ == '__main__':
    main()
