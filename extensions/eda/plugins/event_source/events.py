# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.events: an Event-Driven Ansible source of Talos machine events, over the collection's own client.

Follows MachineService.Events on every node (machine status: stage and readiness; service state changes) and
polls etcd alarms (Talos has no event for them), putting one ``{'talos': {'node', 'type', ...}}`` mapping per
event on the rulebook's queue; docs/eda.md describes each type. Reconnects with backoff when a node goes away
(a reboot closes its stream) and resumes without repeating or missing events.

Arguments (all optional):
  talosconfig, context, endpoints, ca, client_cert, client_key, insecure, cert_fingerprint, timeout:
      the modules' connection options, with the same defaults ($TALOSCONFIG, the current context).
  nodes: the nodes to watch (a list, or one node); default the context's nodes, else the endpoint's node.
  alarm_interval: seconds between etcd alarm polls (default 10; 0: no alarm events).
  backoff_max: the longest wait in seconds between reconnection attempts (default 30).

Example:
  sources:
    - talos.linux.events:
        context: prod
        nodes: [10.5.0.2, 10.5.0.3, 10.5.0.4]
        alarm_interval: 30

Requires the collection's Python requirements (grpclib, protobuf, cryptography, PyYAML) and ansible-core
beside ansible-rulebook.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

# Where ansible-galaxy installs collections: <root>/ansible_collections/talos/linux/extensions/eda/plugins/event_source.
COLLECTION_ROOT_DEPTH = 8


def _make_collection_importable() -> None:
    """ansible-rulebook runs this file by path, with no collection loader: put the collections root on sys.path.

    The path is not resolved: a collection installed as a symbolic link must keep its ansible_collections parent.
    """
    root = os.path.abspath(__file__)
    for _level in range(COLLECTION_ROOT_DEPTH):
        root = os.path.dirname(root)
    if os.path.isdir(os.path.join(root, 'ansible_collections')) and root not in sys.path:
        sys.path.insert(0, root)


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """The source's entry point, as ansible-rulebook calls it; runs until cancelled."""
    _make_collection_importable()
    # pylint: disable=import-outside-toplevel  # importable only once the collections root is on sys.path
    from ansible_collections.talos.linux.extensions.eda.plugins.plugin_utils.source_runner import run
    await run(queue, args)
