# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What was still on a Kubernetes node when its machine went down: the record that tells a drained node from one
taken away with its pods.

Not Talos behaviour but an observation talos-sim offers its tests (``ctl kube-departures``): at the moment a
registered node's machine stops (reboot, upgrade, shutdown, reset, or ``ctl stop``), whether the Node was
cordoned and which of its pods a drain would have moved (simulator.kube.node_drain.drainable) were still
bound to it and not finished.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from simulator.kube import pods as podlib
from simulator.kube.node_drain import drainable
from simulator.kube.nodename import from_hostname
from simulator.kube.errors import ApiError
from simulator.kube.store import Store
from simulator.lifecycle import lifecycle_of

if TYPE_CHECKING:
    from simulator.machine import Machine


class Departures:
    """One entry per machine stop of a registered node, in order."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._entries: list[dict[str, Any]] = []

    async def record(self, machine: 'Machine') -> None:
        """A machine shutdown hook: runs before the machine's listener closes."""
        nodename = from_hostname(machine.hostname)
        try:
            node = self._store.get('nodes', None, nodename)
        except ApiError:
            return  # never registered: nothing could have been scheduled there
        pods, _rv = self._store.list('pods', field_selector='spec.nodeName=' + nodename)
        self._entries.append({
            'node': nodename,
            'machine': machine.name,
            'stage': lifecycle_of(machine).stage,
            'time': time.time(),
            'unschedulable': bool((node.get('spec') or {}).get('unschedulable')),
            'evictable_pods': sorted('%s/%s' % (p['metadata']['namespace'], p['metadata']['name'])
                                     for p in pods if drainable(p) and podlib.is_active(p)),
        })

    def entries(self) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self._entries]
