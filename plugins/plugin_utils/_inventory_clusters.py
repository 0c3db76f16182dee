# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talosconfig inventory's cluster-as-host mode: the node hosts of _inventory_hosts folded into one host per
context, with the nodes as variables.

One host per cluster lets AWX's job slicing and ``strategy: free`` spread many clusters over execution nodes, each
host's tasks fanning out to its nodes through the modules' ``nodes`` option. The folding runs on the node hosts
after the same-CA rule, so two contexts of one cluster (say admin and reader) stay one host, described by the first.
Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import HOST_VARIABLES, NODE_VARIABLE

# Host variables of a cluster host beside the connection (talos_context, talos_talosconfig, talos_endpoints).
NODES_VARIABLE = 'talos_nodes'
ROLE_VARIABLES = {'controlplane': 'talos_controlplane_nodes', 'worker': 'talos_worker_nodes'}
MEMBERS_VARIABLE = 'talos_members'
CLUSTER_GROUP = 'talos_clusters'
# Host variables of a node host that describe the cluster, not the node.
_CLUSTER_KEYS = (HOST_VARIABLES['context'], HOST_VARIABLES['talosconfig'], HOST_VARIABLES['endpoints'])


def cluster_hosts(node_hosts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One host per context, named after it, in the order the contexts were read."""
    clusters: dict[str, dict[str, Any]] = {}
    for node in node_hosts:
        node_vars = node['vars']
        context = node_vars[HOST_VARIABLES['context']]
        cluster = clusters.get(context)
        if cluster is None:
            cluster_vars = {key: node_vars[key] for key in _CLUSTER_KEYS}
            cluster_vars.update({NODES_VARIABLE: [], MEMBERS_VARIABLE: []})
            cluster_vars.update({variable: [] for variable in ROLE_VARIABLES.values()})
            groups = [group for group in node['groups'] if group not in ('controlplane', 'worker')]
            cluster = clusters[context] = {'name': context, 'vars': cluster_vars, 'groups': groups + [CLUSTER_GROUP]}
        address = node_vars[NODE_VARIABLE]
        cluster['vars'][NODES_VARIABLE].append(address)
        machine_type = node_vars.get('talos_machine_type')
        if machine_type in ('init', 'controlplane'):
            cluster['vars'][ROLE_VARIABLES['controlplane']].append(address)
        elif machine_type == 'worker':
            cluster['vars'][ROLE_VARIABLES['worker']].append(address)
        cluster['vars'][MEMBERS_VARIABLE].append({
            'name': node['name'], 'node': address, 'machine_type': machine_type,
            'version': node_vars.get('talos_version')})
    return list(clusters.values())
