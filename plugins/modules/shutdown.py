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
  - Talos cordons and drains the Kubernetes node itself before it powers off (O(graceful)). With O(drain) the
    module drains it first from the controller, with the budget and pod rules of M(talos.linux.drain).
  - On a control plane, refuses when etcd would lose quorum with this node down, unless O(force).
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
      - The node to power off.
      - Unset, the inventory host's C(talos_node), else the single node of the talosconfig context. Without any
        of them the task fails (in check mode too) - this module never acts on the node behind the endpoint.
        An empty value is an error.
    type: str
  graceful:
    description:
      - Let Talos cordon and drain the Kubernetes node and stop its services before it powers off. V(false) is
        talosctl's C(--force).
    type: bool
    default: true
  drain:
    description:
      - Cordon the Kubernetes node and evict its pods from the controller before the shutdown, failing the task
        (and leaving the node running, cordoned) when a pod cannot be evicted within O(drain_timeout).
      - Unset, talosctl's default for a shutdown applies - no drain from the client, since Talos drains the node
        itself when O(graceful). C(drain.enabled) reports the value used.
    type: bool
    version_added: 0.1.0
  wait:
    description:
      - Wait until the node no longer answers.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait for the node to go away. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 300
  force:
    description:
      - Power off a control plane even when etcd would lose quorum without it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Checks the etcd quorum of a control plane, lists the pods a drain would evict (C(drain.evicted)),
      cordons and powers nothing off, and reports a change.
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

- name: Evict its pods first, respecting their disruption budgets, and fail rather than power off if they stay
  talos.linux.shutdown:
    node: 10.5.0.7
    drain: true
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

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.disruptive import disruptive_options, run_disruptive
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import drain_options
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.shutdown import shutdown


@TalosModule.entry_point(
    argument_spec=dict(disruptive_options(wait_timeout=300.0), **drain_options(uncordon=False),
                       graceful={'type': 'bool', 'default': True}),
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    run_disruptive(talos, 'power off', lambda client, node, settings, deadline: shutdown(
        client, node, not params['graceful'], params['wait'], deadline), drains='shutdown')


if __name__ == '__main__':
    main()
