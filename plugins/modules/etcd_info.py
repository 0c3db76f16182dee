#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: etcd_info
short_description: Read the etcd cluster of Talos control planes
version_added: 0.1.0
description:
  - Reads the etcd members (through O(node)), the status of every member (through each member's own machine),
    the cluster's alarms and a quorum health summary.
  - A member whose status cannot be read, reports errors or knows no leader counts as unhealthy.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The control plane to ask for the member list and alarms.
      - Defaults to the node behind the endpoint.
    type: str
  status_timeout:
    description:
      - How long to wait for each member's status before counting it unhealthy.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 5
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Never changes anything.
notes:
  - Needs a client certificate with one of the roles C(os:admin), C(os:operator), C(os:reader) or C(os:etcd:backup).
'''

EXAMPLES = r'''
- name: Read the etcd cluster's health
  talos.linux.etcd_info:
    node: 10.5.0.2
  register: etcd

- name: Stop when a member is down
  ansible.builtin.assert:
    that: etcd.quorum.members_up == etcd.quorum.members_total
    fail_msg: "unhealthy etcd members: {{ etcd.quorum.unhealthy | join(', ') }}"
'''

RETURN = r'''
members:
  description: The etcd members.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Member ID, 16 hex digits as C(talosctl etcd members) shows it.
      type: str
      sample: 3a1f5c2e9b7d4410
    hostname:
      description: Member name (the machine's hostname); empty for a member that has not started yet.
      type: str
    node:
      description: Address of the member's machine (host of its client URL).
      type: str
    peer_urls:
      description: Peer URLs.
      type: list
      elements: str
    client_urls:
      description: Client URLs.
      type: list
      elements: str
    learner:
      description: Whether the member is a learner (non-voting, catching up).
      type: bool
    healthy:
      description: Whether the member answered its status in time, without errors and with a leader.
      type: bool
    error:
      description: Why the member is unhealthy.
      type: str
    status:
      description:
        - The member's status (V(null) when unreadable) with C(leader) (whether this member leads), C(db_size),
          C(db_size_in_use), C(raft_index), C(raft_term), C(raft_applied_index), C(errors), C(protocol_version)
          and C(storage_version).
      type: dict
leader:
  description: Hostname of the leader, V(null) when no member knows one.
  returned: always
  type: str
alarms:
  description: Active alarms, each with C(member_id), C(member) (hostname) and C(alarm) (V(NOSPACE) or V(CORRUPT)).
  returned: always
  type: list
  elements: dict
alarms_error:
  description: Why the alarms could not be read (RV(alarms) is then empty); V(null) when they were read.
  returned: always
  type: str
  version_added: 0.2.0
quorum:
  description: Quorum summary of the voting members.
  returned: always
  type: dict
  contains:
    healthy:
      description: Whether enough voting members are healthy for quorum.
      type: bool
    members_up:
      description: Healthy voting members.
      type: int
    members_total:
      description: Voting members.
      type: int
    learners:
      description: Learner members.
      type: int
    quorum:
      description: Voting members needed for quorum.
      type: int
    tolerance:
      description: How many more voting members may go down keeping quorum.
      type: int
    may_lose_one:
      description: Whether one more member may go down (a rolling reboot may proceed).
      type: bool
    unhealthy:
      description: The unhealthy voting members.
      type: list
      elements: str
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

from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import cluster_info
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'status_timeout': {'type': 'raw', 'default': 5},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    node = talos.params['node']
    settings = talos.connection_settings([node] if node else None)
    info = talos.run(settings, lambda client: cluster_info(client, node, talos.params['status_timeout']))
    talos.module.exit_json(changed=False, **info)


if __name__ == '__main__':
    main()
