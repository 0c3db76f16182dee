#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: rollback
short_description: Roll a Talos node back to the Talos it ran before its last upgrade
version_added: 0.1.0
description:
  - Makes the node's bootloader boot its previous Talos installation again and reboots it
    (MachineService.Rollback); with O(wait), waits until the node is back with a new boot ID, running and ready.
  - Fails when the node has no previous installation to go back to.
  - On a control plane, refuses when etcd would lose quorum with this node down, unless O(force).
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The node to roll back.
      - Unset, the inventory host's C(talos_node), else the single node of the talosconfig context. Without any
        of them the task fails (in check mode too) - this module never acts on the node behind the endpoint.
        An empty value is an error.
    type: str
  wait:
    description:
      - Wait until the node is back, running and ready.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait for the node to come back.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 600
  force:
    description:
      - Roll back a control plane even when etcd would lose quorum while it reboots.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Checks the etcd quorum of a control plane, changes nothing and reports a change.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run flips the boot entries and reboots.
notes:
  - Needs the role C(os:admin).
'''

EXAMPLES = r'''
- name: Go back to the Talos that ran before the upgrade
  talos.linux.rollback:
    node: 10.5.0.7
'''

RETURN = r'''
node:
  description: The node rolled back.
  returned: always
  type: str
old_version:
  description: Talos version before the rollback.
  returned: when not in check mode
  type: str
new_version:
  description: Talos version after the rollback.
  returned: when O(wait) and not in check mode
  type: str
boot_id:
  description: Boot ID after the rollback.
  returned: when O(wait) and not in check mode
  type: str
duration:
  description: Seconds from the request until the node was back.
  returned: when not in check mode
  type: float
quorum:
  description: The etcd quorum verdict of a control plane; V(null) otherwise.
  returned: always
  type: dict
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
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.disruptive import disruptive_options, run_disruptive
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import rollback


@TalosModule.entry_point(argument_spec=disruptive_options(), supports_check_mode=True)
def main(talos: TalosModule) -> None:
    params = talos.params

    async def roll_back(client, node, _settings, deadline):
        outcome = await rollback(client, node, params['wait'], deadline)
        return {'old_version': outcome['version_before'], 'new_version': outcome.get('version'),
                'boot_id': outcome.get('boot_id'), 'duration': outcome['duration']}

    run_disruptive(talos, 'roll back', roll_back)


if __name__ == '__main__':
    main()
