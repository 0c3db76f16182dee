# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: talosconfig
short_description: Talos machines from talosconfig contexts, plus live discovery
version_added: 0.1.0
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - On the controller (the collection's C(requirements.txt)) - C(grpclib) >= 0.4.7, C(protobuf) >= 4.21,
    C(googleapis-common-protos) >= 1.56, C(cryptography) >= 41 and C(PyYAML) >= 6.0.
description:
  - Lists the nodes of one or more talosconfig contexts as inventory hosts, so playbooks target Talos
    machines like any other hosts. Modules of this collection read the connection from these hosts
    (see RV(ignore:talos_node) and friends below) and need no connection options.
  - With O(discover=true), asks each context's cluster for its members (Talos discovery registry) and
    adds machines the context does not list; every node is then asked for its hostname, machine type
    and Talos version.
  - The source file name must end in C(.talos.yml) or C(.talos.yaml).
  - "Host variables: C(talos_node) (address the API targets), C(talos_endpoints), C(talos_context),
    C(talos_talosconfig), C(talos_insecure) (maintenance machines), C(talos_machine_type) and
    C(talos_version) when known, C(ansible_connection=local) and
    C(ansible_python_interpreter={{ ansible_playbook_python }}) so modules run on the controller."
  - "Groups: C(talos_<context>) per context (invalid characters become C(_)), C(controlplane), C(worker),
    and C(maintenance) for O(insecure_nodes)."
  - "Host names: the machine's hostname when known (from discovery), else its address. A node listed by
    several contexts is one host, described by the first context that lists it, when those contexts
    trust the same CA (the same cluster reached with other credentials); when their CAs differ it is a
    different machine that reuses the address, and it becomes a second host named C(<name>@<context>)."
extends_documentation_fragment:
  - talos.linux.connection.plugins
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks this file as a source for this plugin.
    required: true
    type: str
    choices: [talos.linux.talosconfig]
  contexts:
    description:
      - Names of the contexts to read, or V(all) for every context of the file.
      - Defaults to the file's current context.
    type: list
    elements: str
    default: []
  discover:
    description:
      - Ask each context's cluster for its members and the nodes for their details.
      - A cluster that cannot be reached gives a warning and its listed nodes are still added
        (an error with O(strict=true)).
    type: bool
    default: false
  insecure_nodes:
    description:
      - Addresses of machines still in maintenance mode (not configured yet). They are added to group
        C(maintenance) with C(talos_insecure=true); with O(discover=true) they are asked for their
        hostname and version without a client certificate.
    type: list
    elements: str
    default: []
  timeout:
    description: Deadline in seconds for each API call made during discovery.
    type: float
    default: 10
  host_per:
    description:
      - V(node) makes each Talos machine a host (the variables above).
      - V(cluster) makes each cluster a host, named after its context, in group C(talos_clusters) and
        C(talos_<context>), for playbooks that work on whole clusters and for spreading many clusters over
        workers (C(strategy=free), AWX job slicing). Its variables are the connection (C(talos_context),
        C(talos_talosconfig), C(talos_endpoints), C(ansible_connection=local)) and its nodes as lists of
        addresses, C(talos_nodes), C(talos_controlplane_nodes) and C(talos_worker_nodes) (the last two from
        O(discover=true)), plus C(talos_members) (C(name), C(node), C(machine_type), C(version) of each). It has
        no C(talos_node), so a module targets the context's nodes, or the ones given, for example
        C(nodes={{ talos_nodes }}).
      - Two contexts that trust the same CA are one cluster, described by the first, as for nodes.
      - V(cluster) does not take O(insecure_nodes), which belong to no cluster yet.
    type: str
    choices: [node, cluster]
    default: node
    version_added: 0.2.0
'''

EXAMPLES = r'''
# prod.talos.yml: every node of the current context
plugin: talos.linux.talosconfig

---
# fleet.talos.yml: two clusters, discovered, grouped by Talos version
plugin: talos.linux.talosconfig
talosconfig: ~/.talos/config
contexts: [prod, staging]
discover: true
insecure_nodes: [192.168.1.50]
keyed_groups:
  - key: talos_version
    prefix: talos
compose:
  is_controlplane: talos_machine_type == 'controlplane'
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-talos

---
# clusters.talos.yml: one host per cluster (context), its nodes in talos_nodes
plugin: talos.linux.talosconfig
contexts: [all]
discover: true
host_per: cluster
'''

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.plugin_utils._inventory_clusters import cluster_hosts
from ansible_collections.talos.linux.plugins.plugin_utils._inventory_hosts import collect_hosts

try:
    from ansible.template import trust_as_template
except ImportError:
    # ansible-core < 2.19 templates every inventory string: mark data as unsafe, templates stay plain.
    def trust_as_template(value):
        return value

    as_data = wrap_var
else:
    # ansible-core >= 2.19 never templates inventory strings unless trusted: data needs no marking.
    def as_data(value):
        return value

display = Display()
# Modules run on the controller, with the Python that runs ansible-playbook.
PYTHON_INTERPRETER = '{{ ansible_playbook_python }}'


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'talos.linux.talosconfig'

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(('.talos.yml', '.talos.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if self.get_option('host_per') == 'cluster' and self.get_option('insecure_nodes'):
            raise AnsibleParserError('%s: insecure_nodes cannot be used with host_per=cluster: machines in maintenance '
                                     'mode belong to no cluster yet (list them in a host_per=node source)' % self.NAME)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if data is None:
            data = self._collect()
        if update_cache:
            self._cache[cache_key] = data
        for warning in data.get('warnings', []):
            display.warning(warning)
        hosts = data['hosts']
        self._populate(cluster_hosts(hosts) if self.get_option('host_per') == 'cluster' else hosts)

    def _collect(self) -> dict:
        try:
            hosts, warnings = collect_hosts(
                talosconfig=self.get_option('talosconfig'), contexts=self.get_option('contexts'),
                discover=self.get_option('discover'), insecure_nodes=self.get_option('insecure_nodes'),
                timeout=self.get_option('timeout'))
        except TalosError as exc:
            raise AnsibleParserError('%s: %s' % (self.NAME, exc)) from None
        if warnings and self.get_option('strict'):
            raise AnsibleParserError('%s: %s' % (self.NAME, '; '.join(warnings)))
        return {'hosts': hosts, 'warnings': warnings}

    def _populate(self, hosts: list[dict]) -> None:
        strict = self.get_option('strict')
        for host in hosts:
            name = self.inventory.add_host(host['name'])
            for group in host['groups']:
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            for key, value in host['vars'].items():
                # Values from the network or the talosconfig are data, never templates.
                self.inventory.set_variable(name, key, as_data(value))
            self.inventory.set_variable(name, 'ansible_connection', 'local')
            self.inventory.set_variable(name, 'ansible_python_interpreter', trust_as_template(PYTHON_INTERPRETER))
            hostvars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option('compose'), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, name, strict=strict)
