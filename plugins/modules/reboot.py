#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: reboot
short_description: Reboot a Talos node and wait until it is back
version_added: 0.1.0
description:
  - Reboots O(node) (MachineService.Reboot) and, with O(wait), waits until it answers again with a new boot ID,
    in stage C(running) and ready.
  - While waiting, the node's events are followed; when O(wait_timeout) passes, the error says what the node was
    last seen doing.
  - On a control plane, refuses to reboot when etcd would lose quorum with this node down, unless O(force).
  - With O(drain), the Kubernetes node is cordoned and drained first, and uncordoned once it is back and Ready
    (see O(uncordon)), as C(talosctl reboot --drain) does.
  - The reboot request is sent once and never retried.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
  - talos.linux.drain
  - talos.linux.drain.uncordon
options:
  node:
    description:
      - The node to reboot.
      - Unset, the inventory host's C(talos_node), else the single node of the talosconfig context. Without any
        of them the task fails (in check mode too) - this module never acts on the node behind the endpoint.
        An empty value is an error.
    type: str
  mode:
    description:
      - V(default) reboots via kexec when possible; V(powercycle) skips kexec; V(force) (Talos 1.12 and newer)
        skips the graceful stop of pods and services.
    type: str
    choices: [default, powercycle, force]
    default: default
  wait:
    description:
      - Wait until the node is back with a new boot ID, running and ready.
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
      - Reboot a control plane even when etcd would lose quorum while it is down.
    type: bool
    default: false
  drain:
    description:
      - Cordon the Kubernetes node and evict its pods before the reboot (C(talosctl reboot --drain)).
      - Unset, talosctl's default for a reboot applies - no drain. C(drain.enabled) reports the value used.
    type: bool
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    details: Checks the etcd quorum of a control plane, lists the pods a drain would evict (C(drain.evicted)),
      cordons and reboots nothing, and reports a change.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run reboots the node.
notes:
  - Needs the role C(os:admin) or C(os:operator). Without C(os:admin) the boot ID cannot be read; the node then
    counts as rebooted once it was seen going away and is back running and ready.
'''

EXAMPLES = r'''
- name: Reboot a worker and wait for it
  talos.linux.reboot:
    node: 10.5.0.7

- name: Drain the node first, uncordon it once it is back and Ready
  talos.linux.reboot:
    node: 10.5.0.7
    drain: true
    drain_timeout: 600

- name: Power-cycle without waiting
  talos.linux.reboot:
    node: 10.5.0.7
    mode: powercycle
    wait: false
'''

RETURN = r'''
node:
  description: The node rebooted.
  returned: always
  type: str
actor_id:
  description: ID of the reboot sequence in the node's events.
  returned: when not in check mode
  type: str
boot_id_before:
  description: Boot ID before the reboot (V(null) without C(os:admin)).
  returned: when not in check mode
  type: str
boot_id:
  description: Boot ID after the reboot.
  returned: when O(wait) and not in check mode
  type: str
ready:
  description:
    - Whether the node was ready (MachineStatus) when the wait ended. The wait ends when the node is back and
      has finished booting, not when it is ready (Kubernetes may still be coming up).
  returned: when O(wait) and not in check mode
  type: bool
unmet_conditions:
  description: Talos's unmet readiness conditions (C(name), C(reason)) when the wait ended.
  returned: when O(wait) and not in check mode
  type: list
  elements: dict
version:
  description: Talos version the node runs after the reboot.
  returned: when O(wait) and not in check mode
  type: str
version_before:
  description: Talos version the node ran before the reboot.
  returned: when not in check mode
  type: str
  version_added: 0.2.0
stage:
  description: The node's stage (MachineStatus) once back, V(running) after a full boot.
  returned: when O(wait) and not in check mode
  type: str
  version_added: 0.2.0
duration:
  description: Seconds from the request until the node was back (or until the request returned).
  returned: when not in check mode
  type: float
quorum:
  description: The etcd quorum verdict of a control plane (C(safe), C(message), C(members), ...); V(null) otherwise.
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
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import reboot


@TalosModule.entry_point(
    argument_spec=dict(disruptive_options(), **drain_options(uncordon=True),
                       mode={'type': 'str', 'choices': ['default', 'powercycle', 'force'], 'default': 'default'}),
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    run_disruptive(talos, 'reboot', lambda client, node, settings, deadline: reboot(
        client, node, params['mode'], params['wait'], deadline), drains='reboot')


if __name__ == '__main__':
    main()
