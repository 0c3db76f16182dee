# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talosconfig inventory's cluster-as-host mode (host_per: cluster) through the real ansible-inventory and
ansible-playbook."""

from __future__ import annotations

import re

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok
from ansible_collections.talos.linux.tests.integration.test_inventory import (
    ENV, group_hosts, in_stderr, inventory, listing, talosconfig_variant, write_source,
)


def test_one_host_per_cluster_with_its_nodes(fleet, tmp_path):
    talosconfig = talosconfig_variant(fleet, tmp_path / 'talosconfig', {'other-cluster': {'foreign_ca': True}})
    data = listing(write_source(tmp_path / 'c.talos.yml', talosconfig=talosconfig, contexts=['all'],
                                host_per='cluster'))
    # 'sim-reader' trusts the CA of 'sim': the same cluster, described by 'sim' (read first).
    assert group_hosts(data, 'talos_clusters') == ['other-cluster', 'sim']
    assert group_hosts(data, 'talos_sim') == ['sim'] and group_hosts(data, 'talos_sim_reader') == []
    assert group_hosts(data, 'controlplane') == [] and group_hosts(data, 'worker') == []
    sim = data['_meta']['hostvars']['sim']
    assert sim['talos_nodes'] == fleet.addresses()
    assert sim['talos_context'] == 'sim' and sim['talos_talosconfig'] == talosconfig
    assert sim['ansible_connection'] == 'local' and 'talos_node' not in sim
    assert sim['talos_controlplane_nodes'] == [] and sim['talos_worker_nodes'] == [], 'no types without discover'
    assert [m['node'] for m in sim['talos_members']] == fleet.addresses()


def test_discovered_cluster_lists_members_by_role(fleet, tmp_path):
    first_cp = fleet.addresses('controlplane')[0]
    talosconfig = talosconfig_variant(fleet, tmp_path / 'talosconfig', {'one': {'nodes': [first_cp]}})
    source = write_source(tmp_path / 'd.talos.yml', talosconfig=talosconfig, contexts=['one'], discover=True,
                          host_per='cluster', keyed_groups=[{'key': 'talos_context', 'prefix': 'ctx'}])
    data = listing(source)
    assert group_hosts(data, 'ctx_one') == ['one']
    one = data['_meta']['hostvars']['one']
    assert sorted(one['talos_nodes']) == sorted(fleet.addresses())
    assert sorted(one['talos_controlplane_nodes']) == sorted(fleet.addresses('controlplane'))
    assert one['talos_worker_nodes'] == fleet.addresses('worker')
    members = {m['name']: m for m in one['talos_members']}
    assert sorted(members) == sorted(m['hostname'] for m in fleet.machines)
    assert {m['version'] for m in members.values()} == {'v1.14.0'}


def test_playbook_fans_out_from_cluster_hosts(fleet, tmp_path):
    source = write_source(tmp_path / 'p.talos.yml', talosconfig=fleet.talosconfig, discover=True, host_per='cluster')
    run = ansible_playbook('inventory_clusters.yml', env=dict(ENV), inventory=source)
    assert_ok(run)
    assert re.search(r'^sim\s+: ok=4\s.*failed=0', run.output, re.M), run.output


def test_insecure_nodes_are_refused_in_cluster_mode(fleet, tmp_path):
    source = write_source(tmp_path / 'm.talos.yml', talosconfig=fleet.talosconfig, host_per='cluster',
                          insecure_nodes=[fleet.unused_address()])
    proc = inventory(source, '--list', check=False)
    assert proc.returncode != 0
    assert in_stderr('insecure_nodes cannot be used with host_per=cluster', proc)
