#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: client_config
short_description: Generate a talosconfig context from a secrets bundle, or merge talosconfig files
version_added: 0.1.0
description:
  - With O(secrets), adds a context named O(context) to the talosconfig at O(dest), holding a new client
    certificate signed by the bundle's OS CA for O(roles), and makes it the current context (what
    C(talosctl gen config) writes to its C(talosconfig)).
  - With O(src), merges every context of another talosconfig into O(dest) as C(talosctl config merge)
    does; the current context of O(src), if any, becomes the current context.
  - With O(secrets) and O(renew_within), renews instead of generating; see O(renew_within).
  - Existing contexts are never lost. When the name of a new context is taken by a different context, the
    new one is renamed to the first free V(name-1), V(name-2), ... (reported in RV(renames)), unless
    O(force=true), which replaces the context of that name.
  - Runs on the controller only; it does not talk to any machine.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - C(PyYAML) >= 6.0 on the controller.
  - C(cryptography) >= 41 on the controller.
extends_documentation_fragment:
  - talos.linux.attributes
options:
  dest:
    description:
      - The talosconfig to create or update (mode 0600, written atomically). Its parent directory must exist.
      - Called O(path) before 0.2.0; that name still works but is deprecated and will be removed in 2.0.0.
    type: path
    required: true
    aliases: [path]
  secrets:
    description:
      - The secrets bundle whose OS CA signs the client certificate, as a file path or a mapping
        (see M(talos.linux.machine_secrets)).
      - Never shown in the task's output (a mapping appears with its keys, tokens and secrets masked).
    type: raw
  context:
    description:
      - Name of the context to generate. Required with O(secrets), unless O(renew_within) is set.
      - With O(renew_within), the only context to renew (it must exist).
    type: str
  endpoints:
    description: Talos API endpoints of the generated context (usually the control-plane addresses).
    type: list
    elements: str
    default: []
  nodes:
    description: Default target nodes of the generated context.
    type: list
    elements: str
    default: []
  roles:
    description: Talos API roles of the client certificate, for example V(os:reader) or V(os:operator).
    type: list
    elements: str
    default: ['os:admin']
  ttl:
    description:
      - Lifetime of a new client certificate, a duration such as V(8760h) or V(720h30m). A number without a unit
        is an error.
    type: raw
    default: 8760h
  renew_before:
    description:
      - Issue a new client certificate when the current one expires within this duration
        (V(720h) is 30 days). Otherwise an existing context from the same CA and for the same roles is kept.
      - A duration such as V(720h) or V(168h30m); a number without a unit is an error.
    type: raw
    default: 720h
  renew_within:
    description:
      - Renew the client certificates of O(dest) that expire within this duration (V(720h) is 30 days) instead
        of generating a context. A duration such as V(720h); a number without a unit is an error.
      - Every context whose client certificate was issued by the OS CA of O(secrets) (or only O(context)) and
        expires within the window gets a new certificate for the same roles, valid for O(ttl); its endpoints,
        nodes and CA are kept. Contexts of other clusters are left alone.
      - Idempotent, since a renewed certificate is no longer due; a second run changes nothing.
        M(talos.linux.node_info) reports when the certificate in use expires.
    type: raw
  src:
    description: A talosconfig file whose contexts are merged into O(dest).
    type: path
  force:
    description:
      - Replace a context whose name is taken instead of renaming the new one (overrides the guard that keeps
        every existing context).
    type: bool
    default: false
  return_content:
    description:
      - Return the talosconfig, as written (or as it would be in check mode), in RV(content). It holds a private
        key - set C(no_log) on the task.
    type: bool
    default: false
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    details: Reports the contexts and renames that would result, without writing O(dest).
  diff_mode:
    support: full
    details: Shows the change to O(dest), with private keys replaced by C(**REDACTED**).
  idempotent:
    support: full
    details:
      - With O(renew_within), only certificates due for renewal are replaced.
      - A generated context already present (same CA and roles, certificate not due for renewal) is kept;
        a merged context already present with the same content is not added again.
      - Unlike C(talosctl config merge), merging the same file twice therefore adds nothing the second time.
notes:
  - Private keys are never returned.
seealso:
  - module: talos.linux.machine_secrets
  - module: talos.linux.node_info
'''

EXAMPLES = r'''
- name: Admin talosconfig for the cluster
  talos.linux.client_config:
    dest: "{{ cluster_dir }}/talosconfig"
    secrets: "{{ cluster_dir }}/secrets.yaml"
    context: prod
    endpoints: "{{ groups['controlplane'] }}"

- name: A read-only context next to it
  talos.linux.client_config:
    dest: "{{ cluster_dir }}/talosconfig"
    secrets: "{{ cluster_dir }}/secrets.yaml"
    context: prod-reader
    endpoints: "{{ groups['controlplane'] }}"
    roles: [os:reader]
    ttl: 720h

- name: Renew every certificate of the cluster that expires within 30 days
  talos.linux.client_config:
    dest: "{{ cluster_dir }}/talosconfig"
    secrets: "{{ cluster_dir }}/secrets.yaml"
    renew_within: 720h

- name: Merge it into the user's talosconfig
  talos.linux.client_config:
    dest: ~/.talos/config
    src: "{{ cluster_dir }}/talosconfig"
  register: merged

- name: Name the merged context got
  ansible.builtin.debug:
    msg: "{{ merged.contexts }}"
'''

RETURN = r'''
contexts:
  description: Final names of the generated or merged contexts, in order.
  returned: success
  type: list
  elements: str
  sample: [prod]
context:
  description: The current context of O(path) afterwards.
  returned: success
  type: str
  sample: prod
renames:
  description: Contexts that ended under another name because theirs was taken by a different context.
  returned: success
  type: list
  elements: dict
  contains:
    from:
      description: The context's own name.
      type: str
    to:
      description: The name it has in O(path).
      type: str
  sample: [{from: prod, to: prod-1}]
renewed:
  description: The contexts whose client certificate was renewed (with O(renew_within); else empty).
  returned: success
  type: list
  elements: str
  sample: [prod]
dest:
  description: The talosconfig file.
  returned: success
  type: str
  version_added: 0.2.0
path:
  description: The same as RV(dest), under its name before 0.2.0.
  returned: success
  type: str
content:
  description:
    - The talosconfig as written (in check mode, as it would be written), client keys included.
  returned: when O(return_content=true)
  type: str
  version_added: 0.2.0
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

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig
from ansible_collections.talos.linux.plugins.module_utils.client.pki import HAS_CRYPTOGRAPHY
from ansible_collections.talos.linux.plugins.module_utils.configgen import client_config
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase


@ModuleBase.entry_point(
    argument_spec={
        'dest': {'type': 'path', 'required': True, 'aliases': ['path'],
                 'deprecated_aliases': [{'name': 'path', 'version': '2.0.0', 'collection_name': 'talos.linux'}]},
        'secrets': {'type': 'raw', 'no_log': True},
        'context': {'type': 'str'},
        'endpoints': {'type': 'list', 'elements': 'str', 'default': []},
        'nodes': {'type': 'list', 'elements': 'str', 'default': []},
        'roles': {'type': 'list', 'elements': 'str', 'default': ['os:admin']},
        'ttl': {'type': 'raw', 'default': '8760h'},
        'renew_before': {'type': 'raw', 'default': '720h'},
        'renew_within': {'type': 'raw'},
        'src': {'type': 'path'},
        'force': {'type': 'bool', 'default': False},
        'return_content': {'type': 'bool', 'default': False},
    },
    required_one_of=[('secrets', 'src')],
    mutually_exclusive=[('secrets', 'src'), ('renew_within', 'src')],
    libraries=((talosconfig.HAS_YAML, 'PyYAML'), (HAS_CRYPTOGRAPHY, 'cryptography')),
    supports_check_mode=True,
)
def main(base: ModuleBase) -> None:
    module = base.module
    params = redact.shown_parameters(module, {'secrets': redact.shown_bundle(module.params['secrets'])})
    base.failure_result['dest'] = params['dest']
    outcome = client_config.reconcile(params, module.check_mode)
    result = {'changed': outcome.changed, 'contexts': outcome.contexts, 'context': outcome.current,
              'renames': outcome.renames, 'renewed': outcome.renewed, 'dest': module.params['dest'],
              'path': module.params['dest']}  # the key's name before 0.2.0
    if module.params['return_content']:
        result['content'] = outcome.content
    if module._diff:  # pylint: disable=protected-access  # AnsibleModule's diff flag
        result['diff'] = outcome.diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
