#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: etcd_member
short_description: Remove etcd members, make a control plane leave etcd, or move etcd leadership
version_added: 0.1.0
description:
  - With O(state=absent), removes the member O(member) from the etcd cluster (MachineService.EtcdRemoveMemberByID).
    A member that is not there is left alone (V(changed=false)).
  - With O(leave=true), O(node) leaves the etcd cluster (MachineService.EtcdLeaveCluster). Its member is removed,
    its etcd stops and its etcd data is wiped. Also clears the data of a node whose member was already removed but
    whose etcd still runs.
  - With O(forfeit_leadership=true), O(node) hands etcd leadership to another member if it is the leader.
  - Removing or leaving refuses when the remaining healthy voting members would not reach quorum, unless
    O(force=true).
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The control plane the calls go to; with O(leave) or O(forfeit_leadership), the node that acts.
      - Defaults to the node behind the endpoint.
    type: str
  member:
    description:
      - The member to remove, by hostname, node address or member ID (16 hex digits as C(talosctl etcd members)
        prints it). Required with O(state=absent).
    type: str
  state:
    description: V(absent) removes O(member).
    type: str
    choices: [absent]
  leave:
    description: Make O(node) leave the etcd cluster.
    type: bool
    default: false
  forfeit_leadership:
    description: Make O(node) hand etcd leadership to another member.
    type: bool
    default: false
  force:
    description: Remove or leave even when etcd would lose quorum.
    type: bool
    default: false
  status_timeout:
    description:
      - How long to wait for each member's status in the quorum check.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 5
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - Needs a client certificate with the role C(os:admin).
  - A removed member's machine keeps failing to run etcd until its etcd data is cleared (O(leave=true) on it, or
    a reset); with empty data it joins the cluster again on its own.
'''

EXAMPLES = r'''
- name: Remove a dead control plane's member
  talos.linux.etcd_member:
    node: 10.5.0.2
    member: talos-cp-3
    state: absent

- name: Take a control plane out of etcd before decommissioning it
  talos.linux.etcd_member:
    node: 10.5.0.4
    leave: true

- name: Move leadership away before maintenance
  talos.linux.etcd_member:
    node: 10.5.0.2
    forfeit_leadership: true
'''

RETURN = r'''
member:
  description: The member removed or left (C(id), C(hostname), C(node), C(peer_urls), C(client_urls), C(learner)).
  returned: with O(state=absent) or O(leave=true)
  type: dict
new_leader:
  description: Hostname of the new leader after O(forfeit_leadership).
  returned: with O(forfeit_leadership=true)
  type: str
msg:
  description: What was done, with the quorum check's reasoning.
  returned: always
  type: str
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

from ansible_collections.talos.linux.plugins.module_utils.etcd.member import forfeit_leadership, leave, remove_member
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'member': {'type': 'str'},
        'state': {'type': 'str', 'choices': ['absent']},
        'leave': {'type': 'bool', 'default': False},
        'forfeit_leadership': {'type': 'bool', 'default': False},
        'force': {'type': 'bool', 'default': False},
        'status_timeout': {'type': 'raw', 'default': 5},
    },
    required_if=[('state', 'absent', ['member'])],
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    actions = [name for name in ('state', 'leave', 'forfeit_leadership') if params[name]]
    if len(actions) != 1:
        talos.module.fail_json(msg='set exactly one of state=absent, leave=true, forfeit_leadership=true '
                                   '(got %s)' % (', '.join(actions) or 'none'))
    node, check = params['node'], talos.module.check_mode
    settings = talos.connection_settings([node] if node else None)
    if params['state'] == 'absent':
        result = talos.run(settings, lambda client: remove_member(client, node, params['member'], params['force'],
                                                                  check, params['status_timeout']))
    elif params['leave']:
        result = talos.run(settings, lambda client: leave(client, node, params['force'], check,
                                                          params['status_timeout']))
    else:
        result = talos.run(settings, lambda client: forfeit_leadership(client, node, check))
    talos.module.exit_json(**result)


if __name__ == '__main__':
    main()
