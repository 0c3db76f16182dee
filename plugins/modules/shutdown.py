#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: shutdown
short_description: Power a Talos node off
version_added: 0.1.0
description:
  - Shuts O(node) down (MachineService.Shutdown); with O(wait), waits until it no longer answers.
  - The node stays off until it is powered on again outside Talos (BMC, hypervisor, power button).
  - On a control plane, refuses when etcd would lose quorum with this node down, unless O(force).
  - The request is sent once and never retried.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The node to power off. Defaults to the node behind the endpoint.
    type: str
  drain:
    description:
      - Cordon and drain the Kubernetes node first. V(false) is talosctl's C(--force).
    type: bool
    default: true
  wait:
    description:
      - Wait until the node no longer answers.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the node to go away.
    type: float
    default: 300
  force:
    description:
      - Power off a control plane even when etcd would lose quorum without it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Checks the etcd quorum of a control plane, powers nothing off and reports a change.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: A node that is already off cannot be reached, so the module fails rather than report no change.
notes:
  - Needs the role C(os:admin) or C(os:operator).
'''

EXAMPLES = r'''
- name: Power a worker off for hardware maintenance
  talos.linux.shutdown:
    node: 10.5.0.7
'''

RETURN = r'''
node:
  description: The node powered off.
  returned: always
  type: str
actor_id:
  description: ID of the shutdown sequence in the node's events.
  returned: when not in check mode
  type: str
duration:
  description: Seconds from the request until the node stopped answering (or until the request returned).
  returned: when not in check mode
  type: float
quorum:
  description: The etcd quorum verdict of a control plane; V(null) otherwise.
  returned: always
  type: dict
'''

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.disruptive import disruptive_options, run_disruptive
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.shutdown import shutdown


@TalosModule.entry_point(
    argument_spec=dict(disruptive_options(wait_timeout=300.0), drain={'type': 'bool', 'default': True}),
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    run_disruptive(talos, 'power off', lambda client, node, settings: shutdown(
        client, node, not params['drain'], params['wait'], params['wait_timeout']))


if __name__ == '__main__':
    main()
