#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: etcd_maintenance
short_description: Defragment etcd members and disarm etcd alarms on Talos control planes
version_added: 0.1.0
description:
  - O(defragment=true) defragments the etcd members one at a time (MachineService.EtcdDefragment), the leader last,
    so at most one member is busy at any time.
  - O(disarm_alarms=true) disarms every active etcd alarm (for example V(NOSPACE) after freeing space).
  - Reports V(changed=true) only when something was done (a defragmentation ran, or alarms were disarmed).
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  nodes:
    description:
      - The control planes to defragment. Defaults to every started etcd member.
      - The first one (or the endpoint node) also serves the member list and the alarms.
    type: list
    elements: str
  defragment:
    description: Defragment the members' databases.
    type: bool
    default: false
  disarm_alarms:
    description: Disarm every active alarm.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Reports what would be defragmented and disarmed.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: Disarming is idempotent; each defragmentation is a new operation.
notes:
  - Needs a client certificate with the role C(os:admin) or C(os:operator).
  - Defragmenting blocks a member's reads and writes while it runs; run it in a quiet period.
'''

EXAMPLES = r'''
- name: Defragment every member, leader last, then clear alarms
  talos.linux.etcd_maintenance:
    defragment: true
    disarm_alarms: true
'''

RETURN = r'''
defragmented:
  description: The nodes defragmented, in order, each with C(node), C(db_size_before) and C(db_size_after).
  returned: always
  type: list
  elements: dict
disarmed:
  description: The alarms disarmed, each with C(member_id) and C(alarm).
  returned: always
  type: list
  elements: dict
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

from ansible_collections.talos.linux.plugins.module_utils.etcd.maintenance import (defragment, defragment_order,
                                                                                   disarm_alarms)
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


@TalosModule.entry_point(
    argument_spec={
        'nodes': {'type': 'list', 'elements': 'str'},
        'defragment': {'type': 'bool', 'default': False},
        'disarm_alarms': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params, check = talos.params, talos.module.check_mode
    if not (params['defragment'] or params['disarm_alarms']):
        talos.module.fail_json(msg='nothing to do: set defragment and/or disarm_alarms')
    nodes = params['nodes'] or None
    node = nodes[0] if nodes else None
    settings = talos.connection_settings(nodes)

    async def work(client):
        done = []
        if params['defragment']:
            done = await defragment(client, await defragment_order(client, node, nodes), check)
        disarmed = await disarm_alarms(client, node, check) if params['disarm_alarms'] else []
        return done, disarmed

    done, disarmed = talos.run(settings, work)
    talos.module.exit_json(changed=bool(done or disarmed), defragmented=done, disarmed=disarmed)


if __name__ == '__main__':
    main()
