#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: bootstrap
short_description: Bootstrap etcd once per Talos cluster, optionally from a snapshot
version_added: 0.1.0
description:
  - Starts etcd as a new cluster on O(node) (MachineService.Bootstrap); the other control planes then join it
    on their own.
  - Talos only refuses a second Bootstrap on the same machine; a Bootstrap on another control plane would split
    the cluster in two. So first every control plane is asked whether it was bootstrapped (its etcd service
    runs, or its events show a bootstrap was requested) - O(node), O(controlplanes) and the control planes that
    cluster discovery lists on O(node). If one was, nothing is done (V(changed=false)). A node that answers
    "already bootstrapped" (gRPC ALREADY_EXISTS) is also success with V(changed=false).
  - A control plane that cannot be asked (down, cut off by the network) blocks the bootstrap; the module fails
    naming it, unless O(force=true). It is listed in RV(unreachable_nodes).
  - The last check and the Bootstrap call run under a lock per cluster on the machine running the module
    (a file in its temp directory), so several hosts of a play or several playbook runs bootstrapping the same
    cluster at once bootstrap one node; the others see that bootstrap and change nothing. Runs on different
    machines are only protected by that last check, right before the call.
  - With O(recover_from), the snapshot file is checked (etcd's integrity hash, unless
    O(recover_skip_hash_check=true)), uploaded (MachineService.EtcdRecover, read from disk chunk by chunk) and
    etcd is bootstrapped from it.
  - With O(wait=true), waits until etcd runs and is healthy on O(node).
  - Right after a boot Talos refuses Bootstrap and EtcdRecover for a few seconds (gRPC FAILED_PRECONDITION
    "bootstrap is not available yet" while the container runtime starts, "time is not in sync yet", "etcd
    service is not ready for recovery yet" before /var is mounted). These answers are retried every second
    for up to O(wait_timeout) seconds (whatever O(wait) is); then the module fails naming the precondition.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description: The control plane to bootstrap. Defaults to the node behind the endpoint.
    type: str
  controlplanes:
    description:
      - Control planes to check for a running etcd before bootstrapping.
      - Defaults to the connection's endpoints (talosconfig endpoints are usually the control planes).
      - The control planes cluster discovery lists on O(node) are checked too.
      - A control plane that cannot be reached blocks the bootstrap unless O(force=true).
    type: list
    elements: str
  force:
    description:
      - Bootstrap even though some control planes could not be checked (they are listed in RV(unreachable_nodes)).
      - Only when you know etcd was never bootstrapped on them; else the cluster splits in two.
      - Never bootstraps when a control plane shows it was bootstrapped.
    type: bool
    default: false
    version_added: 0.2.0
  recover_from:
    description: Snapshot file on the controller (for example from M(talos.linux.etcd_snapshot)) to recover etcd from.
    type: path
  recover_skip_hash_check:
    description:
      - Accept a snapshot without etcd's integrity hash (a copy of a member's C(db) file).
    type: bool
    default: false
  wait:
    description: Wait until etcd runs and is healthy on O(node).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait with O(wait=true), counted from the first Bootstrap attempt.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
      - Also how long refusals for an unmet precondition (FAILED_PRECONDITION) are retried.
    type: raw
    default: 300
attributes:
  check_mode:
    support: full
    details: Runs the guard and reports whether etcd would be bootstrapped.
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - Needs a client certificate with the role C(os:admin).
'''

EXAMPLES = r'''
- name: Bootstrap the cluster on the first control plane
  talos.linux.bootstrap:
    node: 10.5.0.2
    controlplanes: [10.5.0.2, 10.5.0.3, 10.5.0.4]

- name: Disaster recovery from a snapshot
  talos.linux.bootstrap:
    node: 10.5.0.2
    recover_from: /var/backups/talos/etcd.snapshot
'''

RETURN = r'''
etcd_running_on:
  description: Control planes found bootstrapped, running etcd or with a bootstrap requested (then nothing was done).
  returned: always
  type: list
  elements: str
unreachable_nodes:
  description:
    - Control planes that could not be checked, with the error (renamed from C(unreachable), a key Ansible
      interprets as the host being unreachable).
  returned: always
  type: dict
  version_added: 0.2.0
checked:
  description: Every node the guard asked (O(node), O(controlplanes), the discovered control planes).
  returned: unless the module failed
  type: list
  elements: str
  version_added: 0.2.0
recovered:
  description: Whether etcd was bootstrapped from O(recover_from).
  returned: always
  type: bool
snapshot:
  description: The uploaded snapshot's C(size), C(sha256) and C(hash_verified).
  returned: with O(recover_from)
  type: dict
msg:
  description: What happened.
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

from ansible_collections.talos.linux.plugins.module_utils.client.connection import parse_endpoint
from ansible_collections.talos.linux.plugins.module_utils.etcd.bootstrap import bootstrap
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'controlplanes': {'type': 'list', 'elements': 'str'},
        'recover_from': {'type': 'path'},
        'recover_skip_hash_check': {'type': 'bool', 'default': False},
        'wait': {'type': 'bool', 'default': True},
        'wait_timeout': {'type': 'raw', 'default': 300},
        'force': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    node = params['node']
    settings = talos.connection_settings([node] if node else None)
    controlplanes = params['controlplanes']
    if controlplanes is None:
        controlplanes = [parse_endpoint(endpoint)[0] for endpoint in settings.endpoints]

    async def work(client):
        return await bootstrap(client, node, controlplanes, talos.module.check_mode, params['recover_from'],
                               params['recover_skip_hash_check'], params['wait'], params['wait_timeout'],
                               params['force'])

    talos.module.exit_json(**talos.run(settings, work, node=settings.node_label(node)))


if __name__ == '__main__':
    main()
