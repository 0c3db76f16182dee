#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: etcd_snapshot
short_description: Save an etcd snapshot of a Talos control plane on the controller
version_added: 0.1.0
description:
  - Streams the etcd snapshot of O(node) (MachineService.EtcdSnapshot) into a file on the controller, without
    holding it in memory.
  - The snapshot goes into a temporary file in the destination directory (mode C(0600)), is checked against the
    integrity hash etcd appends to it (SHA-256 of the database), flushed to disk and only then renamed over
    O(dest). A failed or corrupt transfer leaves nothing behind.
  - The temporary file is named C(.<file>.talos-tmp-<host>-<pid>-<random>.part). One left by a run that was
    killed (its process is gone) is removed by the next snapshot to the same O(dest).
  - With O(dest) a directory, each run writes a new C(etcd-<hostname>-<UTC time>.snapshot) file there and
    O(keep) removes the oldest ones of that node.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The control plane whose etcd member takes the snapshot. Defaults to the node behind the endpoint.
    type: str
  dest:
    description:
      - File to write, or an existing directory to write a new time-stamped snapshot file into.
      - The directory must exist and be writable.
      - Unlike the modules that write a text file, there is no C(return_content) option, the snapshot being a
        binary database.
    type: path
    required: true
  keep:
    description:
      - With O(dest) a directory, how many snapshots of this node to keep there (the newest); older ones are
        removed after a successful snapshot. V(0) keeps all.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    details: Checks the destination and reports O(dest) as changed without taking a snapshot.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run takes a new snapshot.
notes:
  - Needs a client certificate with the role C(os:admin), C(os:operator) or C(os:etcd:backup).
  - The snapshot's revision is read from the snapshot's database itself.
'''

EXAMPLES = r'''
- name: Nightly etcd backup, keeping a week of snapshots
  talos.linux.etcd_snapshot:
    node: 10.5.0.2
    dest: /var/backups/talos
    keep: 7

- name: One snapshot at a fixed path
  talos.linux.etcd_snapshot:
    dest: /var/backups/talos/etcd.snapshot
  register: snapshot
'''

RETURN = r'''
dest:
  description: The file written.
  returned: always
  type: str
  sample: /var/backups/talos/etcd-talos-cp-1-20260101T020000Z.snapshot
size:
  description: Size of the snapshot file in bytes (database plus the 32-byte hash).
  returned: success, not in check mode
  type: int
sha256:
  description: SHA-256 of the whole file.
  returned: success, not in check mode
  type: str
revision:
  description: etcd revision of the snapshot (V(null) when it could not be read from the database).
  returned: success, not in check mode
  type: int
hash_verified:
  description: Whether etcd's integrity hash was present and matched.
  returned: success, not in check mode
  type: bool
removed:
  description: Older snapshots removed by O(keep).
  returned: always
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
uid:
  description: Numeric owner of the file at RV(dest) (added by Ansible, as for M(ansible.builtin.copy)).
  returned: when the file at RV(dest) exists
  type: int
  sample: 0
gid:
  description: Numeric group of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: int
  sample: 0
owner:
  description: Owner of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: str
  sample: root
group:
  description: Group of the file at RV(dest).
  returned: when the file at RV(dest) exists
  type: str
  sample: root
mode:
  description: Permissions of the file at RV(dest), in octal.
  returned: when the file at RV(dest) exists
  type: str
  sample: "0600"
state:
  description: What RV(dest) is, V(file) (or V(link), V(directory), V(hard)).
  returned: when the file at RV(dest) exists
  type: str
  sample: file
'''

import os

from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import (check_destination, destination,
                                                                              remove_snapshots, rotation, siblings,
                                                                              take_snapshot)
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'dest': {'type': 'path', 'required': True},
        'keep': {'type': 'int', 'default': 0},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    node, dest, keep = talos.params['node'], talos.params['dest'], talos.params['keep']
    if keep < 0:
        talos.module.fail_json(msg='keep: must not be negative, got %d' % keep)
    settings = talos.connection_settings([node] if node else None)
    directory = dest if os.path.isdir(dest) else None

    async def work(client):
        hostname = await client.hostname(node) if directory else ''
        path = destination(dest, hostname)
        check_destination(path)
        if talos.module.check_mode:
            return {'dest': path, 'removed': rotation(directory, hostname, keep) if directory else []}
        facts = await take_snapshot(client, node, path, stale_pattern=siblings(hostname) if directory else None)
        removed = rotation(directory, hostname, keep) if directory else []
        remove_snapshots(removed)
        facts['dest'] = facts.pop('path')
        facts['removed'] = removed
        return facts

    talos.module.exit_json(changed=True, **talos.run(settings, work, node=settings.node_label(node)))


if __name__ == '__main__':
    main()
