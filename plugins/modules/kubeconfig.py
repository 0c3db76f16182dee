#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: kubeconfig
short_description: Fetch the Kubernetes admin kubeconfig of a Talos cluster
version_added: 0.1.0
description:
  - Asks a control plane for the cluster's admin kubeconfig (a client certificate signed by the
    cluster's Kubernetes CA) and writes it to O(dest) or merges it into an existing kubeconfig, as
    C(talosctl kubeconfig) does.
  - Idempotent although Talos issues a new certificate on every call - an existing entry for the same
    cluster (same server and CA) whose certificate is still valid for longer than O(renew_before) is
    kept as it is.
  - "Merging follows talosctl: a cluster, user or context whose name is taken by a different entry is
    added as C(<name>-1), C(<name>-2), ... (O(force=true) overwrites instead), and the merged context
    becomes the current one."
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - Control plane to ask. Defaults to the inventory host's node, else the node behind the endpoint.
    type: str
  dest:
    description:
      - Kubeconfig file to write or merge into (mode 0600, written atomically). A temporary file a killed
        run left next to it (C(.<file>.talos-tmp-*)) is removed by the next run.
      - One of O(dest) and O(return_content=true) is required.
    type: path
  merge:
    description:
      - Merge into O(dest) when it exists. With V(false), O(dest) holds only this cluster's kubeconfig;
        a file holding anything else (a cluster, user or context that is not this cluster's admin entry)
        is replaced only with O(force=true).
    type: bool
    default: true
  force:
    description:
      - On a name clash with a different entry, overwrite it instead of adding a renamed one (overrides the
        guard that keeps every existing entry). An entry of this cluster whose certificate is still good is kept
        either way.
    type: bool
    default: false
  context_name:
    description:
      - Name of the merged context (default C(admin@<cluster>), renamed on a clash). An existing context
        of this name is overwritten.
    type: str
  renew_before:
    description:
      - Replace the existing client certificate when it expires within this duration, such as V(720h) (30 days)
        or V(168h).
      - A number without a unit is an error (it was a number of days before 0.2.0).
    type: raw
    default: 720h
  return_content:
    description:
      - Return the kubeconfig in RV(content) (and in RV(kubeconfig), its name before 0.2.0). It holds a private
        key - set C(no_log) on the task.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Fetches the kubeconfig (Talos issues a certificate) but writes nothing.
  diff_mode:
    support: full
    details: Shows the change to O(dest) with private keys masked.
  idempotent:
    support: full
notes:
  - Needs the C(os:admin) role. Only control planes serve the kubeconfig.
'''

EXAMPLES = r'''
- name: Merge the cluster into ~/.kube/config
  talos.linux.kubeconfig:
    dest: ~/.kube/config

- name: A separate file for the CI job
  talos.linux.kubeconfig:
    dest: "{{ playbook_dir }}/kubeconfig"
    merge: false
    context_name: prod

- name: Use it in memory only
  talos.linux.kubeconfig:
    return_content: true
  register: admin
  no_log: true
'''

RETURN = r'''
dest:
  description: The file written or merged into.
  returned: when O(dest) is set
  type: str
context:
  description: Name of the kubeconfig context for this cluster (current in O(dest)).
  returned: when O(dest) is set
  type: str
  sample: admin@prod
renames:
  description: Entries added under another name because theirs was taken, each with C(kind), C(from), C(to).
  returned: when O(dest) is set
  type: list
  elements: dict
content:
  description: The kubeconfig sent by the node (it holds the cluster's admin client key).
  returned: when O(return_content=true)
  type: str
  version_added: 0.2.0
kubeconfig:
  description: The same as RV(content), under its name before 0.2.0.
  returned: when O(return_content=true)
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
uid:
  description: Numeric owner of the file at RV(dest) (added by Ansible, as for M(ansible.builtin.copy)).
  returned: when the file at RV(dest) exists
  type: int
  sample: 0
gid:
  description: Numeric group of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: int
  sample: 0
owner:
  description: Owner of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: str
  sample: root
group:
  description: Group of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: str
  sample: root
mode:
  description: Permissions of the file at RV(dest), in octal.
  returned: when the file at RV(dest) exists
  type: str
  sample: "0600"
state:
  description: What RV(dest) is, V(file) (or V(link), V(directory), V(hard)).
  returned: when the file at RV(dest) exists
  type: str
  sample: file
size:
  description: Size of the file at RV(dest) in bytes.
  returned: when the file at RV(dest) exists
  type: int
'''

import datetime

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.kubeconfig import kubeconfig


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'dest': {'type': 'path'},
        'merge': {'type': 'bool', 'default': True},
        'force': {'type': 'bool', 'default': False},
        'context_name': {'type': 'str'},
        'renew_before': {'type': 'raw', 'default': '720h'},
        'return_content': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    # Not required_one_of: return_content defaults to false, which Ansible counts as given.
    if not params['dest'] and not params['return_content']:
        talos.module.fail_json(msg='one of the following is required: dest, return_content=true '
                                   '(otherwise the kubeconfig would be fetched and thrown away)')
    if params['dest'] and not talos.module.check_mode:
        kubeconfig.remove_stale_temps(params['dest'])
    settings = talos.connection_settings([params['node']] if params['node'] else None)
    node = settings.nodes[0] if params['node'] else None
    text = talos.run(settings, lambda client: kubeconfig.fetch(client, node))
    result = {'changed': False}
    if params['return_content']:
        result.update(content=text, kubeconfig=text)
    if params['dest']:
        talos.failure_result['dest'] = params['dest']
        plan = kubeconfig.plan(text, params['dest'], params['merge'], params['force'], params['context_name'],
                               datetime.timedelta(seconds=params['renew_before']))
        if plan.changed and not talos.module.check_mode:
            kubeconfig.write(params['dest'], plan.content)
        result.update(changed=plan.changed, dest=params['dest'], context=plan.context, renames=plan.renames)
        if talos.module._diff and plan.changed:  # pylint: disable=protected-access
            result['diff'] = {'before_header': params['dest'], 'after_header': params['dest'],
                              'before': kubeconfig.redacted(plan.before),
                              'after': kubeconfig.redacted(plan.content)}
    talos.module.exit_json(**result)


if __name__ == '__main__':
    main()
