#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: image_factory_info
short_description: Talos versions, official extensions and overlays, and a schematic's image names from an Image Factory
version_added: 0.1.0
description:
  - Lists the Talos versions an Image Factory builds.
  - With O(talos_version), also the official system extensions and overlays the factory has for that version.
  - With O(schematic_id) too, the installer image reference and the ISO and disk image URLs of that schematic for
    O(platform), O(arch) and O(secureboot), as the factory names them. The factory must know the schematic
    (create it with M(talos.linux.image_factory_schematic)); its stored form is returned as well.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.attributes
  - talos.linux.image_factory
options:
  talos_version:
    description:
      - A Talos version the factory builds, such as V(v1.14.2) (the leading V(v) may be left out).
    type: str
  schematic_id:
    description:
      - A schematic ID (RV(talos.linux.image_factory_schematic#module:id)). Needs O(talos_version).
    type: str
  platform:
    description:
      - The platform of the images in RV(urls).
    type: str
    default: metal
    choices: [metal, aws, gcp, equinixMetal, azure, digital-ocean, nocloud, openstack, vmware, akamai, cloudstack,
              hcloud, oracle, upcloud, vultr, exoscale, opennebula, scaleway, alibabacloud]
  arch:
    description:
      - The architecture of the ISO and disk image in RV(urls) (the installer image holds both).
    type: str
    default: amd64
    choices: [amd64, arm64]
  secureboot:
    description:
      - The SecureBoot flavour of the images in RV(urls), for a platform that has one (C(metal), C(azure),
        C(nocloud), C(cloudstack)).
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
seealso:
  - module: talos.linux.image_factory_schematic
  - module: talos.linux.upgrade
'''

EXAMPLES = r'''
- name: Versions the factory builds
  talos.linux.image_factory_info:
  register: factory

- name: Extensions and overlays for one version
  talos.linux.image_factory_info:
    talos_version: v1.14.2
  register: catalogue

- name: Installer and boot media of a schematic on a SecureBoot machine
  talos.linux.image_factory_info:
    talos_version: v1.14.2
    schematic_id: "{{ schematic.id }}"
    secureboot: true
  register: images

- name: Upgrade to it
  talos.linux.upgrade:
    image: "{{ images.urls.installer }}"
'''

RETURN = r'''
versions:
  description: The Talos versions the factory builds, as tags, in the factory's order.
  returned: always
  type: list
  elements: str
  sample: [v1.13.9, v1.14.0, v1.14.1, v1.14.2]
extensions:
  description: The official system extensions for O(talos_version), as the factory lists them.
  returned: when O(talos_version) is given
  type: list
  elements: dict
  contains:
    name:
      description: The extension's name, as a schematic's C(officialExtensions) names it.
      type: str
      sample: siderolabs/iscsi-tools
    ref:
      description: The extension image for that version.
      type: str
    digest:
      description: The image's digest.
      type: str
    author:
      description: Who maintains it.
      type: str
    description:
      description: What it adds.
      type: str
overlays:
  description: The official overlays for O(talos_version) (empty before Talos 1.7).
  returned: when O(talos_version) is given
  type: list
  elements: dict
  contains:
    name:
      description: The overlay's name, as a schematic's C(overlay.name) names it.
      type: str
      sample: rpi_generic
    image:
      description: The overlay image, as a schematic's C(overlay.image) names it.
      type: str
      sample: siderolabs/sbc-raspberrypi
    ref:
      description: The overlay image for that version.
      type: str
    digest:
      description: The image's digest.
      type: str
schematic:
  description: The schematic O(schematic_id) as the factory stores it (canonical YAML).
  returned: when O(schematic_id) is given
  type: str
urls:
  description: Where the factory serves the schematic's images for O(talos_version).
  returned: when O(schematic_id) is given
  type: dict
  contains:
    installer:
      description:
        - The installer image reference, C(<registry>/<platform>-installer[-secureboot]/<schematic>:<version>), the
          registry being the factory's host.
      type: str
      sample: factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.14.2
    iso:
      description:
        - The ISO's URL, C(<factory_url>/image/<schematic>/<version>/<platform>-<arch>[-secureboot].iso); null for a
          platform that does not boot from an ISO.
      type: str
    disk_image:
      description:
        - The disk image's URL, C(<factory_url>/image/<schematic>/<version>/<platform>-<arch>[-secureboot].<format>)
          (C(raw.zst) for C(metal)); null for a platform without one.
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
from ansible_collections.talos.linux.plugins.module_utils.imagefactory import artifacts
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import ARGUMENT_SPEC, FactoryClient
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.info import factory_info


@ModuleBase.entry_point(
    argument_spec=dict(
        ARGUMENT_SPEC,
        talos_version={'type': 'str'},
        schematic_id={'type': 'str'},
        platform={'type': 'str', 'default': 'metal', 'choices': list(artifacts.PLATFORMS)},
        arch={'type': 'str', 'default': 'amd64', 'choices': list(artifacts.ARCHITECTURES)},
        secureboot={'type': 'bool', 'default': False},
    ),
    required_by={'schematic_id': 'talos_version'},
    supports_check_mode=True,
)
def main(base: ModuleBase) -> None:
    params = base.module.params
    client = FactoryClient.from_params(params)
    result = factory_info(client, params['talos_version'], params['schematic_id'], params['platform'],
                          params['arch'], params['secureboot'])
    base.module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
