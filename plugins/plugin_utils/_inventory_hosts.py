# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hosts of the talosconfig inventory: contexts, discovery and the naming rules, as plain data.

Uses the very connection code of the modules (module_utils); the inventory plugin only turns the
result into Ansible hosts and groups. Private module: free to change between releases.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig as _talosconfig
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import parse_endpoint, settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.discovery import cluster_members, describe_nodes
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.transport import run
from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import HOST_VARIABLES, NODE_VARIABLE

TYPE_GROUPS = {'controlplane': 'controlplane', 'init': 'controlplane', 'worker': 'worker'}


def context_group(context: str) -> str:
    return 'talos_' + re.sub(r'[^A-Za-z0-9_]', '_', context)


def selected_contexts(config: _talosconfig.Talosconfig, wanted: list[str]) -> list[str]:
    if not wanted:
        return [config.select().name]
    if wanted == ['all']:
        return sorted(config.contexts)
    for name in wanted:
        config.select(name)  # unknown names fail here, naming the known ones
    return list(wanted)


async def _discover(options: dict[str, Any], static: list[str]) -> tuple[dict[str, dict], list[str]]:
    """Members of the cluster plus what each node says; (machines by address, node warnings)."""
    machines = {address: {'address': address} for address in static}
    notes = []
    async with TalosClient(settings_from_options(options), retries=1) as client:
        if not options.get('insecure'):
            for member in await cluster_members(client):
                machines.setdefault(member['address'], {}).update({k: v for k, v in member.items() if v})
        for address, info in (await describe_nodes(client, list(machines))).items():
            if isinstance(info, TalosError):
                notes.append('node %s did not answer: %s' % (address, info))
                continue
            told = {key: info[key] for key in ('hostname', 'machine_type', 'version') if info[key]}
            machines[address].update(told)
    return machines, notes


class HostTable:
    """Hosts by name, applying the naming and de-duplication rules."""

    def __init__(self) -> None:
        self.hosts: dict[str, dict[str, Any]] = {}
        self._by_address: dict[str, dict[bytes | None, str]] = {}  # address -> CA -> host name

    def add(self, machine: dict[str, Any], context: str | None, ca: bytes | None, base_vars: dict[str, Any],
            groups: list[str]) -> None:
        address = machine['address']
        known = self._by_address.setdefault(address, {})
        if ca in known:
            return  # the same machine through another context: the first one describes it
        name = machine.get('hostname') or address
        if known or (name in self.hosts and self.hosts[name]['vars'][NODE_VARIABLE] != address):
            name = '%s@%s' % (name, context)
        host_vars = dict(base_vars)
        host_vars[NODE_VARIABLE] = address
        if machine.get('machine_type'):
            host_vars['talos_machine_type'] = machine['machine_type']
        if machine.get('version'):
            host_vars['talos_version'] = machine['version']
        host_groups = list(groups)
        if machine.get('machine_type') in TYPE_GROUPS:
            host_groups.append(TYPE_GROUPS[machine['machine_type']])
        self.hosts[name] = {'name': name, 'vars': host_vars, 'groups': host_groups}
        known[ca] = name


def collect_hosts(talosconfig: str | None, contexts: list[str], discover: bool, insecure_nodes: list[str],
                  timeout: float) -> tuple[list[dict[str, Any]], list[str]]:
    """(hosts, cluster-level warnings). Raises TalosError for a talosconfig that cannot be used."""
    path = _talosconfig.resolve_path(talosconfig)
    config = _talosconfig.load(path)
    table, warnings = HostTable(), []
    for name in selected_contexts(config, contexts):
        ctx = config.select(name)
        static = ctx.nodes or [parse_endpoint(e)[0] for e in ctx.endpoints]
        machines = {address: {'address': address} for address in static}
        if discover:
            options = {'talosconfig': path, 'context': name, 'timeout': timeout}
            try:
                machines, notes = run(_discover(options, static))
                warnings += ['context %s: %s' % (name, note) for note in notes]
            except TalosError as exc:
                warnings.append('context %s: discovery failed, listing its nodes only: %s' % (name, exc))
        # What the action base reads back as the connection options (connection_spec.HOST_VARIABLES).
        base = {HOST_VARIABLES['context']: name, HOST_VARIABLES['talosconfig']: path,
                HOST_VARIABLES['endpoints']: list(ctx.endpoints)}
        for machine in machines.values():
            table.add(machine, name, ctx.ca, base, [context_group(name)])
    if insecure_nodes:
        machines = {address: {'address': address} for address in insecure_nodes}
        if discover:
            try:
                machines, notes = run(_discover({'insecure': True, 'nodes': list(insecure_nodes),
                                                 'timeout': timeout}, list(insecure_nodes)))
                warnings += ['maintenance: %s' % note for note in notes]
            except TalosError as exc:
                warnings.append('maintenance nodes: %s' % exc)
        for machine in machines.values():
            machine.pop('machine_type', None)  # not configured yet: no type
            table.add(machine, None, None, {HOST_VARIABLES['insecure']: True}, ['maintenance'])
    return list(table.hosts.values()), warnings
