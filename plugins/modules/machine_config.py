#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: machine_config
short_description: Generate a Talos machine configuration from a secrets bundle, with patches
version_added: 0.1.0
description:
  - Builds the machine configuration of a control plane or a worker exactly as C(talosctl gen config) would
    build it from the same secrets bundle and inputs (byte for byte, with comments disabled), for the Talos
    version contract O(talos_version), then applies O(patches) in order as C(talosctl --config-patch) does.
  - Runs on the controller only; it does not talk to any machine. Apply the result with a module that does.
  - The configuration is returned as RV(config) and/or written to O(dest).
  - A control-plane configuration holds the cluster's CA private keys. Treat RV(config) and O(dest) like the
    secrets bundle itself.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - C(PyYAML) >= 6.0 on the controller.
  - C(cryptography) >= 41 on the controller.
extends_documentation_fragment:
  - talos.linux.attributes
options:
  secrets:
    description:
      - The secrets bundle, as the path of a C(secrets.yaml) file (see M(talos.linux.machine_secrets)) or as
        a mapping with its content.
      - The bundle is validated first; an invalid bundle fails with every problem found.
      - Never shown in the task's output (a mapping appears with its keys, tokens and secrets masked).
    type: raw
    required: true
  cluster_name:
    description: Name of the cluster.
    type: str
    required: true
  cluster_endpoint:
    description: URL of the Kubernetes API endpoint of the cluster, for example V(https://10.5.0.2:6443).
    type: str
    required: true
  machine_type:
    description: The kind of machine the configuration is for.
    type: str
    choices: [controlplane, worker]
    required: true
  kubernetes_version:
    description:
      - Kubernetes version to configure, for example V(1.33.1).
      - Defaults to the version Talos ships for the O(talos_version) contract (C(DefaultKubernetesVersion) of
        the newest release of that line, as C(talosctl gen config) and the Terraform provider default to the
        version of their own release), for example V(1.36.3) for V(v1.13). The version used is returned as
        RV(kubernetes_version).
    type: str
  talos_version:
    description:
      - Talos version contract to generate for, V(v1.3) to V(v1.15) (a full version such as V(v1.14.2) is
        accepted). Use the version the machines run, so that the configuration holds only what they understand.
      - Defaults to the newest contract known to this collection.
    type: str
  additional_sans:
    description: Extra names and addresses for the certificates of the Kubernetes API server and the Talos API.
    type: list
    elements: str
    default: []
  allow_scheduling_on_control_planes:
    description: Let workloads run on control-plane machines.
    type: bool
    default: false
  dns_domain:
    description: Kubernetes cluster DNS domain.
    type: str
    default: cluster.local
  install_disk:
    description: Disk to install Talos to, for example V(/dev/sda). Not set by default.
    type: str
  install_image:
    description: Installer image. Not set by default.
    type: str
  install_extra_kernel_args:
    description: Extra kernel arguments for the installation.
    type: list
    elements: str
    default: []
  local_api_server_port:
    description: Port the Kubernetes API server listens on locally; V(0) keeps the default (6443).
    type: int
    default: 0
  sysctls:
    description: Kernel parameters to set on the machine.
    type: dict
    default: {}
  custom_cni_url:
    description: URL of a CNI manifest; when set, the cluster uses a custom CNI instead of the default one.
    type: str
  registry_mirrors:
    description: Registry mirrors.
    type: list
    elements: dict
    default: []
    suboptions:
      registry:
        description: Registry host to mirror, for example V(docker.io).
        type: str
        required: true
      endpoints:
        description: Mirror endpoint URLs, tried in order.
        type: list
        elements: str
        required: true
  patches:
    description:
      - Patches applied in order after generation, in any form C(talosctl --config-patch) takes
        each one in, plus YAML data.
      - A mapping (one strategic merge patch document) or a list of mappings (a multi-document strategic merge
        patch); a list of RFC 6902 operations (mappings with C(op) and C(path)); a YAML or JSON string; or
        V(@path) to read the patch from a file (absolute paths are best; relative paths are resolved from the
        current directory of the module).
      - The task's output shows the patches with keys, tokens and secrets masked.
      - Strategic merge patches support C($patch) V(delete). RFC 6902 patches apply only to single-document
        configurations (contracts before v1.12 without extra documents).
    type: list
    elements: raw
    default: []
  dest:
    description:
      - Write the configuration to this file (mode 0600, written atomically). A file that already holds
        exactly this configuration is not rewritten.
      - The parent directory must exist.
    type: path
  return_content:
    description:
      - Return the configuration in RV(content) (and in RV(config), its name before 0.2.0) although O(dest) is set.
        Without O(dest) it is always returned, there being nothing else to do with it.
      - Called O(return_config) before 0.2.0; that name still works but is deprecated and will be removed in 2.0.0.
    type: bool
    default: false
    aliases: [return_config]
attributes:
  check_mode:
    support: full
    details: Generates the configuration and reports whether O(dest) would change, without writing it.
  diff_mode:
    support: full
    details: Shows the change to O(dest), with every key, token and secret replaced by C(**REDACTED**).
  idempotent:
    support: full
    details: The same inputs generate the same bytes, so an unchanged O(dest) is left alone.
notes:
  - The output equals upstream's library defaults, not C(talosctl gen config) defaults; for example no install
    disk or image is set unless O(install_disk) and O(install_image) are given.
seealso:
  - module: talos.linux.machine_secrets
  - module: talos.linux.client_config
'''

EXAMPLES = r'''
- name: Control-plane configuration, written next to the secrets bundle
  talos.linux.machine_config:
    secrets: "{{ cluster_dir }}/secrets.yaml"
    cluster_name: prod
    cluster_endpoint: https://10.5.0.2:6443
    machine_type: controlplane
    kubernetes_version: 1.33.1
    talos_version: v1.14
    install_disk: /dev/sda
    dest: "{{ cluster_dir }}/controlplane.yaml"

- name: Worker configuration with patches, for the Kubernetes version Talos v1.14 ships, returned for a later task
  talos.linux.machine_config:
    secrets: "{{ cluster_dir }}/secrets.yaml"
    cluster_name: prod
    cluster_endpoint: https://10.5.0.2:6443
    machine_type: worker
    talos_version: v1.14
    patches:
      - machine:
          network:
            hostname: "{{ inventory_hostname }}"
      - "@{{ playbook_dir }}/patches/worker.yaml"
      - '[{"op": "add", "path": "/machine/kubelet/extraArgs", "value": {"max-pods": "150"}}]'
  register: worker
  no_log: true
'''

RETURN = r'''
content:
  description:
    - The machine configuration (YAML, one or several documents), as C(talosctl) writes it with comments disabled.
    - Holds private keys for a control plane.
  returned: when O(dest) is not set, or O(return_content=true)
  type: str
  version_added: 0.2.0
config:
  description: The same as RV(content), under its name before 0.2.0.
  returned: when O(dest) is not set, or O(return_content=true)
  type: str
dest:
  description: The file written (or that would be written in check mode).
  returned: when O(dest) is set
  type: str
  sample: /srv/talos/prod/controlplane.yaml
kubernetes_version:
  description: The Kubernetes version the configuration is for (O(kubernetes_version), or its default).
  returned: always
  type: str
  sample: 1.36.3
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

from ansible_collections.talos.linux.plugins.module_utils.client.pki import HAS_CRYPTOGRAPHY
from ansible_collections.talos.linux.plugins.module_utils.configgen import machine_config
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents

ARGUMENT_SPEC = {
    'secrets': {'type': 'raw', 'required': True, 'no_log': True},
    'cluster_name': {'type': 'str', 'required': True},
    'cluster_endpoint': {'type': 'str', 'required': True},
    'machine_type': {'type': 'str', 'required': True, 'choices': ['controlplane', 'worker']},
    'kubernetes_version': {'type': 'str'},
    'talos_version': {'type': 'str'},
    'additional_sans': {'type': 'list', 'elements': 'str', 'default': []},
    'allow_scheduling_on_control_planes': {'type': 'bool', 'default': False},
    'dns_domain': {'type': 'str', 'default': 'cluster.local'},
    'install_disk': {'type': 'str'},
    'install_image': {'type': 'str'},
    'install_extra_kernel_args': {'type': 'list', 'elements': 'str', 'default': []},
    'local_api_server_port': {'type': 'int', 'default': 0},
    'sysctls': {'type': 'dict', 'default': {}},
    'custom_cni_url': {'type': 'str'},
    'registry_mirrors': {'type': 'list', 'elements': 'dict', 'default': [], 'options': {
        'registry': {'type': 'str', 'required': True},
        'endpoints': {'type': 'list', 'elements': 'str', 'required': True},
    }},
    'patches': {'type': 'list', 'elements': 'raw', 'default': []},
    'dest': {'type': 'path'},
    'return_content': {'type': 'bool', 'default': False, 'aliases': ['return_config'],
                       'deprecated_aliases': [{'name': 'return_config', 'version': '2.0.0',
                                               'collection_name': 'talos.linux'}]},
}


@ModuleBase.entry_point(
    argument_spec=ARGUMENT_SPEC,
    libraries=((documents.HAS_YAML, 'PyYAML'), (HAS_CRYPTOGRAPHY, 'cryptography')),
    supports_check_mode=True,
)
def main(base: ModuleBase) -> None:
    module = base.module
    params = redact.shown_parameters(module, {
        'secrets': redact.shown_bundle(module.params['secrets']),
        'patches': [redact.redact_patch(p) for p in module.params['patches']]})
    outcome = machine_config.reconcile(params, module.check_mode)
    result = {'changed': outcome.changed, 'kubernetes_version': machine_config.kubernetes_version(params)}
    if params['dest']:
        result['dest'] = params['dest']
        if module._diff:  # pylint: disable=protected-access  # AnsibleModule's public-in-practice diff flag
            result['diff'] = outcome.diff
    if params['return_content'] or not params['dest']:
        result.update(content=outcome.config, config=outcome.config)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
