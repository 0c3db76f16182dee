#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: health
short_description: Wait until a Talos cluster is healthy
version_added: 0.1.0
description:
  - Runs health checks against the cluster until all pass or O(wait_timeout) passes, then fails naming the check
    and the nodes at fault. A gate for bootstraps and rolling upgrades.
  - "API-side checks, in this order: V(reachable) (every node answers the Talos API), V(boot_sequence)
    (MachineStatus stage running everywhere: the boot sequence ended, its services are up), V(etcd) (one healthy voting etcd member per control plane
    and no other member), V(services) (the O(services) run and are not unhealthy on every node that has them),
    V(version) (all nodes on one Talos version; only with O(same_version) or when named in O(checks))."
  - Then V(server), Talos's own cluster health check (C(talosctl health)), streamed from a control plane; it
    covers etcd, apid, memory and disk sizes, diagnostics, kubelet, boot sequence and the Kubernetes checks
    (nodes registered and ready, control plane static pods, kube-proxy, CoreDNS), in Talos's order.
  - Each check is retried every second until it passes; the checks run one after the other under the one
    O(wait_timeout).
  - "Nodes come from O(controlplanes) and O(workers); when both are unset and the task runs over the
    M(talos.linux.talosconfig) inventory, from the hosts that have C(talos_machine_type) (same context as the
    task's host); else from Talos's discovery (the C(Members) resources of the endpoint's cluster)."
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  controlplanes:
    description: Addresses of the control-plane nodes.
    type: list
    elements: str
  workers:
    description: Addresses of the worker nodes.
    type: list
    elements: str
  node:
    description:
      - The control plane to run Talos's server-side check on (V(server)); when it cannot, the other control
        planes are tried in turn.
      - Defaults to the first control plane.
    type: str
  wait_timeout:
    description:
      - How long to wait for all checks to pass. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 300
  checks:
    description:
      - The checks to run, by name; default all but V(version) (V(version) too with O(same_version)).
    type: list
    elements: str
    choices: [reachable, boot_sequence, etcd, services, version, server]
  skip_checks:
    description:
      - Checks not to run, for example V(server) to check only the Talos side without Kubernetes.
      - Talos's own checks run as one V(server) check; they cannot be chosen one by one.
    type: list
    elements: str
    choices: [reachable, boot_sequence, etcd, services, version, server]
    default: []
  same_version:
    description: Also require every node to run the same Talos version (check V(version)).
    type: bool
    default: false
  services:
    description: Services that must run on every node that has them (V(services) check).
    type: list
    elements: str
    default: [apid, containerd, cri, etcd, kubelet, machined, trustd, udevd]
attributes:
  check_mode:
    support: full
    details: Read-only; runs the checks in check mode too.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Never changes anything.
notes:
  - Needs a client certificate with one of the roles C(os:admin), C(os:operator) or C(os:reader).
  - The V(server) check needs C(os:admin) - Talos runs its Kubernetes checks with the caller's roles and
    fetches a kubeconfig for them, which only C(os:admin) may do. Without it V(server) is V(skipped) (the reason
    is its C(message)); naming it in O(checks) is then an error.
  - Talos's check takes IP addresses only. Names in O(controlplanes) and O(workers) are resolved first (the
    node's own default address through the Talos API, else the controller's resolver; see RV(resolved_nodes));
    a name that cannot be resolved fails the task naming it.
  - Talos's server-side check is served by control planes only.
seealso:
  - module: talos.linux.etcd_info
  - module: talos.linux.node_info
'''

EXAMPLES = r'''
- name: Wait for the cluster after bootstrap
  talos.linux.health:
    controlplanes: [10.5.0.2, 10.5.0.3, 10.5.0.4]
    workers: [10.5.0.5]
    wait_timeout: 10m

- name: Gate a rolling upgrade on the Talos side only (no Kubernetes checks)
  talos.linux.health:
    skip_checks: [server]
    same_version: true
  run_once: true

- name: Just etcd
  talos.linux.health:
    checks: [etcd]
'''

RETURN = r'''
healthy:
  description: Whether every check that ran passed.
  returned: always
  type: bool
checks:
  description: Every check in order, with its result.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Check name.
      type: str
    status:
      description: V(passed), V(failed), V(skipped) (not selected) or V(not_run) (an earlier check failed).
      type: str
    duration:
      description: Seconds the check took (until it passed or gave up).
      type: float
    message:
      description: What was wrong, per node, when it failed.
      type: str
    nodes:
      description: The nodes at fault.
      type: list
      elements: str
    attempts:
      description: How many times the check ran (it is retried every second until it passes or time runs out).
      type: int
      returned: for the API-side checks that ran
      version_added: 0.2.0
    node:
      description: V(server) only; the control plane that ran Talos's check (V(null) when none could).
      type: str
      returned: when V(server) ran
      version_added: 0.2.0
    talos_checks:
      description: V(server) only; Talos's checks with C(name), C(status) (V(passed), V(skipped), V(waiting)) and
        the last C(error).
      type: list
      elements: dict
    messages:
      description: V(server) only; Talos's progress lines.
      type: list
      elements: str
failed_check:
  description: Name of the check that failed.
  returned: failure
  type: str
failed_nodes:
  description: The nodes the failed check blames.
  returned: failure
  type: list
  elements: str
controlplanes:
  description: The control planes checked.
  returned: always
  type: list
  elements: str
workers:
  description: The workers checked.
  returned: always
  type: list
  elements: str
resolved_nodes:
  description: Names given in O(controlplanes) or O(workers) and the IP address each was resolved to.
  returned: always
  type: dict
node_source:
  description: Where the node list came from, V(options), V(inventory) or V(discovery).
  returned: always
  type: str
duration:
  description: Seconds the whole run took.
  returned: always
  type: float
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

import time
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.health.checks import Cluster, DEFAULT_SERVICES
from ansible_collections.talos.linux.plugins.module_utils.health.health import (CHECKS, discover, restrict_to_roles,
                                                                                run_checks, select_checks)
from ansible_collections.talos.linux.plugins.module_utils.health.nodes import resolve_nodes


@TalosModule.entry_point(
    argument_spec={
        'controlplanes': {'type': 'list', 'elements': 'str'},
        'workers': {'type': 'list', 'elements': 'str'},
        'node': {'type': 'str'},
        'wait_timeout': {'type': 'raw', 'default': 300},
        'checks': {'type': 'list', 'elements': 'str', 'choices': list(CHECKS)},
        'skip_checks': {'type': 'list', 'elements': 'str', 'choices': list(CHECKS), 'default': []},
        'same_version': {'type': 'bool', 'default': False},
        'services': {'type': 'list', 'elements': 'str', 'default': list(DEFAULT_SERVICES)},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    names = select_checks(params['checks'], params['skip_checks'], params['same_version'])
    started = time.monotonic()

    async def work(client: TalosClient) -> dict[str, Any]:
        chosen, skip_reasons = restrict_to_roles(names, list(client.roles), 'server' in (params['checks'] or []))
        resolved: dict[str, str] = {}
        if params['controlplanes'] or params['workers']:
            controlplanes, found = await resolve_nodes(client, 'controlplanes', list(params['controlplanes'] or []))
            workers, found_workers = await resolve_nodes(client, 'workers', list(params['workers'] or []))
            resolved = dict(found, **found_workers)
            cluster, source = Cluster(controlplanes, workers), 'options'
        else:
            cluster, source = await discover(client), 'discovery'
        cluster.services = list(params['services'])
        results = await run_checks(client, cluster, chosen, params['wait_timeout'], params['node'], skip_reasons)
        return {'checks': results, 'controlplanes': cluster.controlplanes, 'workers': cluster.workers,
                'node_source': source, 'resolved_nodes': resolved}

    result = talos.run(talos.connection_settings(), work)
    result['duration'] = round(time.monotonic() - started, 3)
    failed = next((check for check in result['checks'] if check['status'] == 'failed'), None)
    result['healthy'] = failed is None
    if failed is not None:
        where = ' on %s' % ', '.join(failed['nodes']) if failed['nodes'] else ''
        talos.module.fail_json(
            msg='health check %s failed%s after %.0fs: %s' % (
                failed['name'], where, failed['duration'], failed['message']),
            failed_check=failed['name'], failed_nodes=failed['nodes'], changed=False, **result)
    talos.module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
