#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: drain
short_description: Drain, cordon or uncordon the Kubernetes node of a Talos node
version_added: 0.1.0
description:
  - Brings the Kubernetes node of O(node) to O(state) - V(drained) cordons it and evicts its pods through the
    Eviction API, respecting PodDisruptionBudgets, until they are gone; V(cordoned) only marks it unschedulable;
    V(uncordoned) makes it schedulable again.
  - The same drain that M(talos.linux.upgrade), M(talos.linux.reboot), M(talos.linux.shutdown) and
    M(talos.linux.reset) run with O(talos.linux.upgrade#module:drain), for playbooks that cordon, drain or uncordon
    at their own moments (for example uncordoning after a health gate).
  - The Kubernetes node is the one O(node) registers as (Talos's C(Nodename) resource, read from the node).
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
      - The Talos node whose Kubernetes node to act on. Defaults to the node behind the endpoint.
    type: str
  state:
    description:
      - V(drained) - cordoned, with every pod evicted that a drain evicts (see the notes).
      - V(cordoned) - unschedulable; its pods stay.
      - V(uncordoned) - schedulable.
    type: str
    choices: [drained, cordoned, uncordoned]
    default: drained
  only_own:
    description:
      - With O(state=uncordoned), uncordon the node only when this collection cordoned it (a drain or cordon of its
        modules, marked with the annotation C(ansible.talos.linux/cordoned)); a node an operator cordoned stays so.
    type: bool
    default: false
  wait_ready:
    description:
      - With O(state=uncordoned), wait until the Kubernetes node is Ready before uncordoning it.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long to wait for Ready with O(wait_ready).
      - With O(state=uncordoned), also how long to wait for a Kubernetes API that does not answer (refused
        connections, or a 429, 500, 502, 503 or 504 status) to come back, as it does after a control plane reboots;
        other errors fail at once. Check mode reads once and does not wait.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 300
attributes:
  check_mode:
    support: full
    details: Reads the node and its pods; reports what would be cordoned or evicted (C(drain.evicted)) without
      changing anything.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A node cordoned already is not cordoned again; draining a cordoned node with nothing left to evict
      reports no change.
'''

EXAMPLES = r'''
- name: Drain a worker before maintenance outside Talos
  talos.linux.drain:
    node: 10.5.0.7
    delete_emptydir_data: true

- name: Put it back into service once the cluster is healthy
  talos.linux.drain:
    node: 10.5.0.7
    state: uncordoned
    wait_ready: true

- name: Lift a cordon an interrupted run of this collection left, and only such a cordon
  talos.linux.drain:
    node: 10.5.0.7
    state: uncordoned
    only_own: true

- name: Drain with a kubeconfig of its own instead of the admin one Talos issues
  talos.linux.drain:
    node: 10.5.0.7
    kubeconfig: ~/.kube/config
'''

RETURN = r'''
node:
  description: The Talos node.
  returned: always
  type: str
node_name:
  description: Its Kubernetes node name.
  returned: always
  type: str
cordoned:
  description: Whether the Kubernetes node is (in check mode - would be) cordoned afterwards.
  returned: always
  type: bool
drain:
  description:
    - With O(state=drained), what the drain did (in check mode - would do) - C(node_name), C(cordoned),
      C(already_cordoned) (cordoned before the task), C(evicted) (C(namespace/name) of each pod evicted and gone, in
      check mode those that would be), C(skipped) (C(pod) and C(reason) of each pod left alone), C(unmanaged)
      (evicted pods no controller recreates), C(duration) (seconds the evictions took).
    - Also returned when the drain fails, with the pods evicted so far.
  returned: when O(state=drained)
  type: dict
msg:
  description: What happened.
  returned: always
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

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.kube.drain import DEFAULT_TIMEOUT
from ansible_collections.talos.linux.plugins.module_utils.kube.node_state import STATES, ensure


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'state': {'type': 'str', 'choices': list(STATES), 'default': 'drained'},
        'drain_timeout': {'type': 'raw', 'default': DEFAULT_TIMEOUT},
        'delete_emptydir_data': {'type': 'bool', 'default': False},
        'kubeconfig': {'type': 'str', 'no_log': True},
        'only_own': {'type': 'bool', 'default': False},
        'wait_ready': {'type': 'bool', 'default': False},
        'wait_timeout': {'type': 'raw', 'default': 300},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    node = params['node']
    settings = talos.connection_settings([node] if node else None)
    address = settings.node_label(node)

    async def work(client):
        return await ensure(client, node, params['state'], params, talos.module.check_mode)

    talos.module.exit_json(node=address, **talos.run(settings, work, node=address))


if __name__ == '__main__':
    main()
