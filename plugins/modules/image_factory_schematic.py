#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: image_factory_schematic
short_description: Create an Image Factory schematic and get its ID
version_added: 0.1.0
description:
  - Makes sure an Image Factory knows a schematic (the extensions, kernel arguments, overlay and other
    customizations of a Talos image) and returns its ID, the name installer images and boot media are built
    under.
  - The ID is computed here exactly as the factory computes it (the SHA-256 of the schematic written in its
    canonical form), so it is known before anything is sent; the factory's own answer is checked against it.
  - A field the factory does not know fails the task naming the field, as the factory reads schematics strictly.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - C(PyYAML) >= 6.0 on the controller.
extends_documentation_fragment:
  - talos.linux.attributes
  - talos.linux.image_factory
options:
  schematic:
    description:
      - The schematic, as a mapping or as YAML text (what C(curl -X POST --data-binary @schematic.yaml) would send).
      - "Its fields: C(overlay) (C(image), C(name), C(options)) and C(customization) (C(extraKernelArgs),
        C(meta), C(systemExtensions.officialExtensions), C(embeddedMachineConfiguration), C(bootloader),
        C(secureboot), C(diskImage))."
      - Give YAML text when a value must stay as written; in a mapping, YAML 1.1 values such as C(yes) have
        already become booleans.
    type: raw
    required: true
attributes:
  check_mode:
    support: partial
    details:
      - Computes and returns the ID without contacting the factory, so it cannot tell whether the schematic would be
        created; it reports RV(created=null) and no change.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: The factory is asked for the schematic's ID first; a schematic it already has is not sent again.
seealso:
  - module: talos.linux.image_factory_info
  - module: talos.linux.upgrade
'''

EXAMPLES = r'''
- name: Schematic with the iSCSI tools
  talos.linux.image_factory_schematic:
    schematic:
      customization:
        systemExtensions:
          officialExtensions:
            - siderolabs/iscsi-tools
            - siderolabs/util-linux-tools
  register: schematic

- name: Upgrade to the factory's installer for that schematic
  talos.linux.upgrade:
    image: "factory.talos.dev/metal-installer/{{ schematic.id }}:v1.14.2"

- name: Schematic from a file, on a private factory
  talos.linux.image_factory_schematic:
    schematic: "{{ lookup('ansible.builtin.file', 'schematic.yaml') }}"
    factory_url: https://factory.example.com
    ca_path: /etc/pki/factory-ca.pem
'''

RETURN = r'''
id:
  description: The schematic's ID (the SHA-256 of RV(schematic)).
  returned: always
  type: str
  sample: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba
schematic:
  description: The schematic in the canonical form the factory stores and hashes.
  returned: always
  type: str
  sample: "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/iscsi-tools\n"
created:
  description: Whether the factory did not know the schematic and it was sent; null in check mode (nothing asked).
  returned: always
  type: bool
factory_url:
  description: The factory the schematic is on.
  returned: always
  type: str
url:
  description: The factory URL that could not be reached or answered an error.
  returned: when the factory fails the task
  type: str
  version_added: 0.2.0
status:
  description: The HTTP status the factory answered; V(null) when it could not be reached.
  returned: when the factory fails the task
  type: int
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
'''

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import ModuleBase
from ansible_collections.talos.linux.plugins.module_utils.imagefactory import schematic as schematics
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import ARGUMENT_SPEC, FactoryClient
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.ensure import ensure_schematic


@ModuleBase.entry_point(
    argument_spec=dict(ARGUMENT_SPEC, schematic={'type': 'raw', 'required': True}),
    libraries=((schematics.HAS_YAML, 'PyYAML'),),
    supports_check_mode=True,
)
def main(base: ModuleBase) -> None:
    module = base.module
    client = FactoryClient.from_params(module.params)
    base.failure_result['factory_url'] = client.url
    outcome = ensure_schematic(client, module.params['schematic'], module.check_mode)
    module.exit_json(changed=bool(outcome['created']), factory_url=client.url, **outcome)


if __name__ == '__main__':
    main()
