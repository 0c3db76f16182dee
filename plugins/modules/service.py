#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: service
short_description: Start, stop or restart a Talos service
version_added: 0.1.0
description:
  - Brings a Talos system service (C(talosctl service)) to O(state) on a node, only when it is not there
    already, then waits until the node shows the service running (or stopped).
  - Talos lets the API start and restart C(kubelet), and start, stop and restart extension services
    (C(ext-<name>)); it refuses other operations ("doesn't support stop operation via API"), and the module
    fails with Talos's message.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The node whose service to manage. Unset, the inventory host's C(talos_node), else the node behind the
        endpoint (a service operation takes no node down, so no explicit target is required). An empty value
        is an error.
    type: str
  name:
    description: Service ID as C(talosctl services) lists it, for example V(kubelet) or V(ext-iscsid).
    type: str
    required: true
    aliases: [id, service]
  state:
    description:
      - V(started) and V(stopped) act only when the service is not in that state (a service that is
        starting counts as started); V(restarted) always restarts (or starts a stopped service).
    type: str
    required: true
    choices: [started, stopped, restarted]
  wait:
    description: Wait until the service runs (V(started), V(restarted)) or is gone (V(stopped)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 60
attributes:
  check_mode:
    support: full
    details: Reads the service's state and predicts the change; nothing is started or stopped. An operation
      Talos refuses (see the description) fails in check mode with Talos's message.
  diff_mode:
    support: full
    details: Shows the service's state before and after.
  idempotent:
    support: partial
    details: V(started) and V(stopped) are idempotent; V(restarted) always acts.
notes:
  - Needs a client certificate with the role C(os:admin) or C(os:operator).
'''

EXAMPLES = r'''
- name: Restart the kubelet of a node
  talos.linux.service:
    node: 10.5.0.5
    name: kubelet
    state: restarted

- name: Stop an extension service
  talos.linux.service:
    node: 10.5.0.5
    name: ext-iscsid
    state: stopped
'''

RETURN = r'''
service:
  description: The service after the change (before it, in check mode or when nothing changed).
  returned: success
  type: dict
  contains:
    id:
      description: Service ID.
      type: str
    state:
      description: Talos's state text, for example V(Running), V(Finished), V(Preparing).
      type: str
    healthy:
      description: Whether the service's health check passes.
      type: bool
    health_unknown:
      description: Whether the service has no health check (or no result yet).
      type: bool
    message:
      description: The service's last event.
      type: str
    events:
      description: The messages of the service's recent events, oldest first.
      type: list
      elements: str
state_before:
  description: Talos's state text of the service before the task.
  returned: success
  type: str
response:
  description: Talos's answer, for example C(Service "kubelet" restarted); V(null) when nothing was done.
  returned: success
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

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.health.service import ensure_service


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'name': {'type': 'str', 'required': True, 'aliases': ['id', 'service']},
        'state': {'type': 'str', 'required': True, 'choices': ['started', 'stopped', 'restarted']},
        'wait': {'type': 'bool', 'default': True},
        'wait_timeout': {'type': 'raw', 'default': 60},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    node = params['node']
    settings = talos.connection_settings([node] if node else None)
    outcome = talos.run(settings, lambda client: ensure_service(
        client, node, params['name'], params['state'], talos.module.check_mode, params['wait'],
        params['wait_timeout']))
    before, after = outcome['before'], outcome['service']
    result = {'changed': outcome['changed'], 'service': after, 'state_before': before['state'],
              'response': outcome['response']}
    if talos.module._diff:  # pylint: disable=protected-access
        predicted = {'started': 'Running', 'restarted': 'Running', 'stopped': 'Finished'}[params['state']]
        shown = predicted if talos.module.check_mode and outcome['changed'] else after['state']
        result['diff'] = {'before': 'state: %s\n' % before['state'], 'after': 'state: %s\n' % shown}
    talos.module.exit_json(**result)


if __name__ == '__main__':
    main()
