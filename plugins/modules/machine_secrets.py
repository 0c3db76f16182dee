#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: machine_secrets
short_description: Create or check a Talos secrets bundle
version_added: 0.1.0
description:
  - Makes sure a Talos secrets bundle (what C(talosctl gen secrets) writes) exists at O(dest). A missing
    bundle is generated with the CAs, keys and tokens upstream generates for the version contract
    O(talos_version), and written with mode 0600.
  - An existing bundle is loaded and validated, never overwritten unless O(regenerate=true). An invalid
    bundle fails with every problem found.
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
      - The secrets bundle file. Its parent directory must exist.
      - Called O(path) before 0.2.0; that name still works but is deprecated and will be removed in 2.0.0.
    type: path
    required: true
    aliases: [path]
  talos_version:
    description:
      - Talos version contract to generate for, V(v1.3) to V(v1.15). It decides, for example, the type of the
        Kubernetes service-account key and the encryption secret.
      - Defaults to the newest contract known to this collection. Ignored when the bundle exists and
        O(regenerate=false).
    type: str
  regenerate:
    description:
      - Generate a new bundle even when one exists, replacing it. A new bundle means new CAs, so every
        machine and client of a cluster built from the old one stops trusting it.
      - Called O(force) before 0.2.0; that name still works but is deprecated and will be removed in 2.0.0.
    type: bool
    default: false
    aliases: [force]
  return_content:
    description:
      - Return the bundle file's text in RV(content) (and, parsed, in RV(secrets)). It holds the private keys of
        every cluster CA - set C(no_log) on the task.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Reports whether a bundle would be generated, without writing it.
  diff_mode:
    support: full
    details: Shows the bundle's layout with every key, token and secret replaced by C(**REDACTED**).
  idempotent:
    support: partial
    details: An existing valid bundle is left alone; with O(regenerate=true) a new bundle is generated on every run.
seealso:
  - module: talos.linux.machine_config
  - module: talos.linux.client_config
'''

EXAMPLES = r'''
- name: Secrets bundle of the cluster (created on the first run only)
  talos.linux.machine_secrets:
    dest: "{{ cluster_dir }}/secrets.yaml"
    talos_version: v1.14

- name: Bundle content for a later task, kept out of the logs
  talos.linux.machine_secrets:
    dest: "{{ cluster_dir }}/secrets.yaml"
    return_content: true
  register: bundle
  no_log: true
'''

RETURN = r'''
dest:
  description: The bundle file (an absolute path).
  returned: always
  type: str
  sample: /srv/talos/prod/secrets.yaml
  version_added: 0.2.0
path:
  description: The same as RV(dest), under its name before 0.2.0.
  returned: always
  type: str
content:
  description:
    - The bundle as the YAML text of the file, as C(talosctl gen secrets) writes it.
    - In check mode, when the bundle would be generated, the bundle that was generated but not written.
  returned: when O(return_content=true)
  type: str
  version_added: 0.2.0
created:
  description: Whether a new bundle was generated (or would be, in check mode).
  returned: always
  type: bool
secrets:
  description:
    - The bundle (C(cluster), C(secrets), C(trustdinfo), C(certs)), certificates and keys base64-encoded PEM.
    - In check mode, when the bundle would be generated, the bundle that was generated but not written.
  returned: when O(return_content=true)
  type: dict
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

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.talos.linux.plugins.module_utils.client.pki import HAS_CRYPTOGRAPHY
from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets
from ansible_collections.talos.linux.plugins.module_utils.frontend import files, redact
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase


def run(module: AnsibleModule) -> dict:
    path = module.params['dest']
    if not module.check_mode and os.path.isdir(os.path.dirname(path)):
        files.remove_stale_temps(path)
    existing = files.read_bytes(path)
    if existing is not None and not module.params['regenerate']:
        bundle = secrets.load_valid(existing, 'secrets bundle %s' % path)
        text = existing.decode('utf-8', errors='replace')
        return {'changed': False, 'created': False, 'bundle': bundle, 'text': text}
    files.check_parent(path)
    bundle = secrets.generate(module.params['talos_version'])
    text = secrets.dumps(bundle)
    if not module.check_mode:
        files.atomic_write(path, text)
    before = existing.decode('utf-8', errors='replace') if existing is not None else ''
    diff = {'before_header': path, 'after_header': path,
            'before': redact.redact_text(before), 'after': redact.redact_text(text)}
    return {'changed': True, 'created': True, 'bundle': bundle, 'text': text, 'diff': diff}


@ModuleBase.entry_point(
    argument_spec={
        'dest': {'type': 'path', 'required': True, 'aliases': ['path'],
                 'deprecated_aliases': [{'name': 'path', 'version': '2.0.0',
                                         'collection_name': 'talos.linux'}]},
        'talos_version': {'type': 'str'},
        'regenerate': {'type': 'bool', 'default': False, 'aliases': ['force'],
                       'deprecated_aliases': [{'name': 'force', 'version': '2.0.0',
                                               'collection_name': 'talos.linux'}]},
        'return_content': {'type': 'bool', 'default': False},
    },
    libraries=((secrets.HAS_YAML, 'PyYAML'), (HAS_CRYPTOGRAPHY, 'cryptography')),
    supports_check_mode=True,
)
def main(base: ModuleBase) -> None:
    module = base.module
    module.params['dest'] = os.path.abspath(module.params['dest'])
    base.failure_result['dest'] = module.params['dest']
    outcome = run(module)
    result = {'changed': outcome['changed'], 'created': outcome['created'], 'dest': module.params['dest'],
              'path': module.params['dest']}  # the key's name before 0.2.0
    if module.params['return_content']:
        result.update(content=outcome['text'], secrets=outcome['bundle'])
    if module._diff and 'diff' in outcome:  # pylint: disable=protected-access  # AnsibleModule's diff flag
        result['diff'] = outcome['diff']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
