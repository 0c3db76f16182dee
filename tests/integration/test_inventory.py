# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.talosconfig inventory plugin through the real ansible-inventory and ansible-playbook."""

from __future__ import annotations

import base64
import json
import os
import subprocess

import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.tests.integration.conftest import (
    COLLECTIONS, REPO, VENV_BIN, ansible_playbook, assert_ok, sim, start_fleet,
)

ENV = {'ANSIBLE_INVENTORY_ENABLED': 'talos.linux.talosconfig', 'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'}


def inventory(source: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    env.update(ENV, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-inventory'), '-i', source, *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def in_stderr(text: str, proc: subprocess.CompletedProcess) -> bool:
    """Whether stderr says text; ansible-core < 2.19 wraps warnings anywhere (even inside paths), so
    white space is left out of the comparison."""
    return ''.join(text.split()) in ''.join(proc.stderr.split())


def plain(value):
    """ansible-inventory marks untrusted (non-template) strings as {'__ansible_unsafe': ...}; unwrap them."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listing(source: str) -> dict:
    return plain(json.loads(inventory(source, '--list').stdout))


def write_source(path, **options) -> str:
    options = dict({'plugin': 'talos.linux.talosconfig'}, **options)
    path.write_text(yaml.safe_dump(options))
    return str(path)


def group_hosts(data: dict, group: str) -> list[str]:
    return sorted(data.get(group, {}).get('hosts', []))


def talosconfig_variant(fleet, path, contexts: dict) -> str:
    """The fleet's talosconfig with extra contexts: name -> {nodes, endpoints, foreign_ca}."""
    with open(fleet.talosconfig, encoding='utf-8') as f:
        config = yaml.safe_load(f)
    for name, spec in contexts.items():
        ctx = dict(config['contexts']['sim'])
        ctx.update({k: v for k, v in spec.items() if k in ('nodes', 'endpoints')})
        if spec.get('foreign_ca'):
            ca = pki.generate_ca()
            client = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
            ctx.update(ca=base64.b64encode(ca.crt).decode(), crt=base64.b64encode(client.crt).decode(),
                       key=base64.b64encode(client.key).decode())
        config['contexts'][name] = ctx
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_static_contexts_naming_and_groups(fleet, tmp_path):
    talosconfig = talosconfig_variant(fleet, tmp_path / 'talosconfig', {'other-cluster': {'foreign_ca': True}})
    data = listing(write_source(tmp_path / 'all.talos.yml', talosconfig=talosconfig, contexts=['all']))
    addresses = sorted(fleet.addresses())
    # 'other-cluster' sorts first and trusts another CA; 'sim' and 'sim-reader' are one cluster.
    assert group_hosts(data, 'talos_other_cluster') == addresses
    assert group_hosts(data, 'talos_sim') == sorted(a + '@sim' for a in addresses)
    assert group_hosts(data, 'talos_sim_reader') == []
    hostvars = data['_meta']['hostvars']
    first = hostvars[addresses[0]]
    assert first['talos_node'] == addresses[0] and first['talos_context'] == 'other-cluster'
    assert first['talos_talosconfig'] == talosconfig and first['ansible_connection'] == 'local'
    assert 'talos_version' not in first, 'no network access without discover'


def test_current_context_by_default_and_unknown_context(fleet, tmp_path):
    data = listing(write_source(tmp_path / 'cur.talos.yml', talosconfig=fleet.talosconfig))
    assert group_hosts(data, 'talos_sim') == sorted(fleet.addresses())
    proc = inventory(write_source(tmp_path / 'bad.talos.yml', talosconfig=fleet.talosconfig, contexts=['nope']),
                     '--list', check=False)
    assert proc.returncode != 0
    assert in_stderr("context 'nope' not found (contexts: sim, sim-reader)", proc)


def test_malformed_talosconfig_is_a_parser_error(tmp_path):
    bad = tmp_path / 'talosconfig'
    bad.write_text('context: [unclosed\n')
    proc = inventory(write_source(tmp_path / 'x.talos.yml', talosconfig=str(bad)), '--list', check=False)
    assert proc.returncode != 0 and in_stderr('invalid YAML', proc) and in_stderr(str(bad), proc)


def test_discovery_adds_members_with_types_and_versions(fleet, tmp_path):
    first_cp = fleet.addresses('controlplane')[0]
    talosconfig = talosconfig_variant(fleet, tmp_path / 'talosconfig', {'one': {'nodes': [first_cp]}})
    source = write_source(tmp_path / 'd.talos.yml', talosconfig=talosconfig, contexts=['one'], discover=True,
                          keyed_groups=[{'key': 'talos_version', 'prefix': 'talos'}])
    data = listing(source)
    names = sorted(m['hostname'] for m in fleet.machines)
    assert group_hosts(data, 'talos_one') == names
    assert group_hosts(data, 'talos_v1_14_0') == names
    assert group_hosts(data, 'controlplane') == sorted(m['hostname'] for m in fleet.machines
                                                       if m['type'] == 'controlplane')
    assert group_hosts(data, 'worker') == sorted(m['hostname'] for m in fleet.machines if m['type'] == 'worker')
    for machine in fleet.machines:
        hostvars = data['_meta']['hostvars'][machine['hostname']]
        assert hostvars['talos_node'] == machine['address']
        assert hostvars['talos_machine_type'] == machine['type'] and hostvars['talos_version'] == 'v1.14.0'
    graph = inventory(source, '--graph').stdout
    assert '@talos_v1_14_0' in graph


def test_node_info_over_inventory_without_connection_options(fleet, tmp_path):
    source = write_source(tmp_path / 'p.talos.yml', talosconfig=fleet.talosconfig, discover=True)
    run = ansible_playbook('inventory_node_info.yml', env=dict(ENV), inventory=source)
    assert_ok(run)
    assert 'ok=2' in run.output and 'failed=0' in run.output


def test_unreachable_cluster_warns_or_fails_when_strict(tmp_path):
    state = str(tmp_path / 'fleet')
    fleet = start_fleet(state, '--controlplanes', '1')
    sim('down', '--state-dir', state)  # the talosconfig stays; nobody answers
    source = write_source(tmp_path / 'u.talos.yml', talosconfig=fleet.talosconfig, discover=True, timeout=2)
    proc = inventory(source, '--list')
    assert in_stderr('discovery failed', proc)
    assert group_hosts(plain(json.loads(proc.stdout)), 'talos_sim') == fleet.addresses()
    strict = write_source(tmp_path / 's.talos.yml', talosconfig=fleet.talosconfig, discover=True, timeout=2,
                          strict=True)
    proc = inventory(strict, '--list', check=False)
    assert proc.returncode != 0 and in_stderr('discovery failed', proc)


def test_cache_serves_discovery_when_cluster_is_gone(tmp_path):
    state = str(tmp_path / 'fleet')
    fleet = start_fleet(state, '--controlplanes', '1', '--workers', '1')
    cache = tmp_path / 'cache'
    source = write_source(tmp_path / 'c.talos.yml', talosconfig=fleet.talosconfig, discover=True, timeout=2,
                          cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache))
    try:
        fresh = listing(source)
    finally:
        sim('down', '--state-dir', state)
    assert any(cache.iterdir()), 'nothing was cached'
    cached = listing(source)
    assert cached == fresh
    assert cached['_meta']['hostvars']['talos-worker-1']['talos_version'] == 'v1.14.0'


def test_maintenance_nodes(tmp_path):
    state = str(tmp_path / 'fleet')
    fleet = start_fleet(state, '--maintenance', '--controlplanes', '1', '--workers', '1')
    try:
        empty = tmp_path / 'talosconfig'
        empty.write_text('context: none\ncontexts:\n  none: {}\n')
        data = listing(write_source(tmp_path / 'm.talos.yml', talosconfig=str(empty),
                                    insecure_nodes=fleet.addresses(), discover=True))
    finally:
        sim('down', '--state-dir', state)
    assert group_hosts(data, 'maintenance') == sorted(m['hostname'] for m in fleet.machines)
    hostvars = data['_meta']['hostvars']['talos-cp-1']
    assert hostvars['talos_insecure'] is True and hostvars['talos_version'] == 'v1.14.0'
    assert 'talos_machine_type' not in hostvars


def test_docs_render():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), '-t', 'inventory', 'talos.linux.talosconfig'],
                          capture_output=True, text=True, env=env, check=False, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert 'discover' in proc.stdout and 'insecure_nodes' in proc.stdout
