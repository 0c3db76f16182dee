#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: node_info
short_description: Read what Talos machines say about themselves
version_added: 0.1.0
description:
  - Reads, for each node, its Talos version, hostname, machine type, boot stage and readiness, and boot ID,
    over the Talos API.
  - Nodes are queried concurrently over one connection to the endpoint (the endpoint forwards each call to
    its node), or directly with O(insecure=true).
  - Reads only what the client certificate's role allows; a field the node does not disclose is V(null)
    (for example the boot ID needs C(os:admin)).
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  nodes:
    description:
      - Addresses (or names the endpoint resolves) of the nodes to query.
      - Defaults to the context's nodes; when the context has none, the node behind the endpoint. An empty list
        (or an empty entry) is an error.
    type: list
    elements: str
  fail_on_unreachable:
    description:
      - Fail when a node cannot be reached. By default an unreachable node is reported in the result
        with RV(nodes[].reachable=false) and its error.
      - Other errors (a certificate fingerprint that does not match, a refused call) always fail.
      - When no node answers at all, nothing was read (wrong endpoints, or every node down) and the task fails
        whatever this option says. With O(insecure=true) it warns instead - each node is dialled directly and a
        configured node refuses insecure calls, so a probe for machines in maintenance mode may find none.
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
- name: Versions of every node in the current talosconfig context
  talos.linux.node_info:
  register: info

- name: Show them
  ansible.builtin.debug:
    msg: "{{ info.nodes | items2dict(key_name='node', value_name='version') }}"

- name: A machine still in maintenance mode, pinning its certificate
  talos.linux.node_info:
    nodes: [192.168.1.50]
    insecure: true
    cert_fingerprint: "pDd6iPRDg31UgVXFb6dDl8ZoUVEt/tQC2vbcCaHNbzQ="

- name: Fail the play if a control plane is down
  talos.linux.node_info:
    context: prod
    nodes: "{{ groups['controlplane'] }}"
    fail_on_unreachable: true
'''

RETURN = r'''
nodes:
  description: One entry per node, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    node:
      description: The node as addressed; the endpoint when no node was given.
      type: str
      sample: 10.5.0.2
    reachable:
      description: Whether the node answered.
      type: bool
      sample: true
    error:
      description: Why the node could not be reached.
      type: str
      sample: "node 10.5.0.9, via endpoint 10.5.0.2: connection refused (gRPC UNAVAILABLE)"
    grpc_code:
      description: gRPC status code of RV(nodes[].error).
      type: str
      returned: when the node is unreachable
      sample: UNAVAILABLE
    hostname:
      description: Hostname of the machine.
      type: str
      sample: talos-cp-1
    version:
      description: Talos version tag.
      type: str
      sample: v1.14.0
    sha:
      description: Git commit of the Talos build.
      type: str
    arch:
      description: CPU architecture.
      type: str
      sample: amd64
    platform:
      description: Platform Talos runs on.
      type: str
      sample: metal
    machine_type:
      description: V(controlplane), V(worker) or V(init); V(null) when not configured.
      type: str
      sample: controlplane
    stage:
      description: Machine stage, for example V(booting), V(maintenance), V(running), V(rebooting), V(upgrading).
      type: str
      sample: running
    ready:
      description: Whether the machine reports itself ready.
      type: bool
    unmet_conditions:
      description: Conditions that keep the machine from being ready, each with C(name) and C(reason).
      type: list
      elements: dict
    maintenance:
      description: Whether the machine is in maintenance mode (waiting for a configuration).
      type: bool
    boot_id:
      description: Linux boot ID, new on every boot. Needs the C(os:admin) role, else V(null).
      type: str
unreachable_nodes:
  description: The nodes that could not be reached.
  returned: always
  type: list
  elements: str
client_certificate:
  description:
    - The client certificate used, so a playbook can renew it before it expires (see M(talos.linux.client_config),
      O(talos.linux.client_config#module:renew_within)). V(null) in maintenance mode (O(insecure=true)).
    - A certificate that has expired, is not yet valid or lacks the C(clientAuth) usage fails the module before
      any connection, with its dates; one a node refuses fails it with C(grpc_code=UNAUTHENTICATED).
  returned: always
  type: dict
  contains:
    not_after:
      description: When the certificate expires (UTC, ISO 8601).
      type: str
      sample: '2027-06-01T09:30:00Z'
    not_before:
      description: When the certificate became valid (UTC, ISO 8601).
      type: str
    days_left:
      description: Whole days until it expires.
      type: int
      sample: 182
    source:
      description: Where the certificate came from (talosconfig file and context, or the option).
      type: str
      sample: "talosconfig /home/me/.talos/config, context 'prod' (context field crt)"
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

from ansible_collections.talos.linux.plugins.module_utils.client.client_cert import certificate_summary
from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import node_info, unreachable
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


def nobody_answered(talos: TalosModule, settings: ConnectionSettings, first: TalosError, report: list) -> None:
    """No node answered: fail (wrong endpoints, or every node down), or warn for an insecure probe."""
    names = ', '.join(settings.node_label(entry['node']) for entry in report)
    if talos.params['insecure']:
        talos.module.warn('no node answered an insecure call (%s); a configured node refuses them' % names)
        return
    error = TalosError('no node answered through endpoints %s (nodes: %s); first error: %s'
                       % (', '.join(settings.endpoints), names, first), code=first.code, endpoint=first.endpoint)
    talos.fail(error, nodes=[dict(entry, node=settings.node_label(entry['node'])) for entry in report])


@TalosModule.entry_point(
    argument_spec={
        'nodes': {'type': 'list', 'elements': 'str'},
        'fail_on_unreachable': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    settings = talos.connection_settings(talos.params['nodes'])
    nodes = settings.nodes or [None]

    async def gather(client):
        return await client.for_nodes(nodes, lambda node: node_info(client, node))

    results = talos.run(settings, gather)
    report, failed = [], []
    for node, result in results.items():
        if isinstance(result, Exception):
            if not result.unreachable or talos.params['fail_on_unreachable']:
                talos.fail(result, nodes=report)
            failed.append(node)
            report.append(unreachable(node, result))
        else:
            report.append(result)
    if failed and len(failed) == len(report):
        nobody_answered(talos, settings, results[failed[0]], report)
    for entry in report:
        entry['node'] = settings.node_label(entry['node'])
    talos.module.exit_json(changed=False, nodes=report, unreachable_nodes=failed,
                           client_certificate=certificate_summary(settings))


if __name__ == '__main__':
    main()
