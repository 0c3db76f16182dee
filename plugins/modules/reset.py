#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: reset
short_description: Reset a Talos node, wiping its disks
version_added: 0.1.0
description:
  - Resets O(node) (MachineService.Reset), wiping the whole system disk by default. A node whose C(STATE) volume
    is wiped loses its machine configuration and comes back in maintenance mode.
  - With O(reboot) the node reboots afterwards, else it powers off. With O(wait) the module waits until the node
    answers in maintenance mode (or configured with a new boot ID, when its configuration survived), or until it
    no longer answers when it powers off.
  - On a control plane, refuses when etcd would lose quorum without this node, unless O(force).
  - Talos cordons and drains the Kubernetes node itself during a graceful reset (O(graceful)). With O(drain) the
    module drains it first from the controller, with the budget and pod rules of M(talos.linux.drain).
  - The request is sent once and never retried.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
  - talos.linux.drain
options:
  node:
    description:
      - The node to reset.
      - Unset, the inventory host's C(talos_node), else the single node of the talosconfig context. Without any
        of them the task fails (in check mode too) - this module never acts on the node behind the endpoint.
        An empty value is an error.
    type: str
  graceful:
    description:
      - Cordon and drain the Kubernetes node and, on a control plane, leave the etcd cluster first.
      - Set V(false) for a node whose cluster is already gone.
    type: bool
    default: true
  reboot:
    description:
      - Reboot after the reset instead of powering off.
    type: bool
    default: false
  wipe_mode:
    description:
      - V(all) wipes the system disk and the user disks listed in O(user_disks_to_wipe); V(system-disk) only
        the system disk; V(user-disks) only O(user_disks_to_wipe) (the configuration survives).
    type: str
    choices: [all, system-disk, user-disks]
    default: all
  system_labels_to_wipe:
    description:
      - Wipe only these volumes of the system disk (for example V(STATE), V(EPHEMERAL)) instead of all of it.
        Wiping V(EPHEMERAL) alone keeps the machine configuration.
    type: list
    elements: str
    default: []
  user_disks_to_wipe:
    description:
      - Device paths of user disks to wipe, for example V(/dev/sdb).
    type: list
    elements: str
    default: []
  wait:
    description:
      - Wait for the outcome (see the description).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 600
  force:
    description:
      - Reset a control plane even when etcd would lose quorum without it.
    type: bool
    default: false
  drain:
    description:
      - Cordon the Kubernetes node and evict its pods from the controller before the reset, failing the task (and
        leaving the node untouched but cordoned) when a pod cannot be evicted within O(drain_timeout).
      - Unset, talosctl's default for a reset applies - no drain from the client, since Talos drains the node
        itself when O(graceful). C(drain.enabled) reports the value used.
      - The node is not uncordoned afterwards; one that comes back configured (O(reboot) with its C(STATE) volume
        kept) stays cordoned until M(talos.linux.drain) uncordons it (O(talos.linux.drain#module:state=uncordoned)).
    type: bool
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    details: Checks the etcd quorum of a control plane, lists the pods a drain would evict (C(drain.evicted)),
      cordons and wipes nothing, and reports a change.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run resets the node; a node in maintenance mode refuses the call.
notes:
  - Needs the role C(os:admin).
'''

EXAMPLES = r'''
- name: Return a worker to maintenance mode, ready for a new configuration
  talos.linux.reset:
    node: 10.5.0.7
    reboot: true

- name: Wipe only the EPHEMERAL volume (keeps the configuration)
  talos.linux.reset:
    node: 10.5.0.7
    system_labels_to_wipe: [EPHEMERAL]
    reboot: true
'''

RETURN = r'''
node:
  description: The node reset.
  returned: always
  type: str
actor_id:
  description: ID of the reset sequence in the node's events.
  returned: when not in check mode
  type: str
maintenance:
  description: Whether the node came back in maintenance mode.
  returned: when O(wait) and O(reboot) and not in check mode
  type: bool
stage:
  description: The node's stage once back.
  returned: when O(wait) and O(reboot) and not in check mode
  type: str
boot_id_before:
  description: Boot ID before the reset (V(null) without C(os:admin)).
  returned: when not in check mode
  type: str
  version_added: 0.2.0
boot_id:
  description: Boot ID once back (V(null) when it cannot be read, as from a node back in maintenance mode).
  returned: when O(wait) and O(reboot) and not in check mode
  type: str
  version_added: 0.2.0
duration:
  description: Seconds from the request until the outcome (or until the request returned).
  returned: when not in check mode
  type: float
quorum:
  description: The etcd quorum verdict of a control plane; V(null) otherwise.
  returned: always
  type: dict
drain:
  description:
    - What the drain did (in check mode - would do). C(enabled) is the effective O(drain); the other keys are there
      when it ran - C(node_name) (the Kubernetes node), C(cordoned) (whether it is cordoned now), C(already_cordoned)
      (it was before the task), C(evicted) (C(namespace/name) of each pod evicted and gone, in check mode those
      that would be), C(skipped) (C(pod) and C(reason) of each pod left alone), C(unmanaged) (evicted pods no
      controller recreates), C(uncordoned), C(duration) (seconds the evictions took) and C(note).
    - Also returned when the task fails after the drain began.
  returned: always
  type: dict
  sample:
    enabled: true
    node_name: worker-1
    cordoned: false
    already_cordoned: false
    evicted: [default/web-7d4b9c8f6-x2x7q]
    skipped: [{pod: kube-system/kube-proxy-8cvxz, reason: DaemonSet-managed}]
    unmanaged: []
    uncordoned: true
    duration: 3.2
    note: ""
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

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.disruptive import disruptive_options, run_disruptive
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import drain_options
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reset import WIPE_MODES, maintenance_settings, reset


@TalosModule.entry_point(
    argument_spec=dict(
        disruptive_options(),
        **drain_options(uncordon=False),
        graceful={'type': 'bool', 'default': True},
        reboot={'type': 'bool', 'default': False},
        wipe_mode={'type': 'str', 'choices': list(WIPE_MODES), 'default': 'all'},
        system_labels_to_wipe={'type': 'list', 'elements': 'str', 'default': []},
        user_disks_to_wipe={'type': 'list', 'elements': 'str', 'default': []},
    ),
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params

    async def wipe(client, node, settings, deadline):
        async with TalosClient(maintenance_settings(settings, node)) as maintenance:
            return await reset(
                client, maintenance, node, graceful=params['graceful'], reboot=params['reboot'],
                wipe_mode=params['wipe_mode'], labels=params['system_labels_to_wipe'],
                user_disks=params['user_disks_to_wipe'], wait=params['wait'], deadline=deadline)

    run_disruptive(talos, 'reset', wipe, drains='reset')


if __name__ == '__main__':
    main()
