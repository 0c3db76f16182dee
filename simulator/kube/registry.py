# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Kubernetes cluster a machine belongs to, for the modules below simulator.kube.cluster in the import
order (readiness, health): they reach the cluster without importing it."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from simulator.kube.cluster import KubeCluster
    from simulator.machine import Machine

_CLUSTERS: 'weakref.WeakKeyDictionary[Machine, Any]' = weakref.WeakKeyDictionary()


def register(machine: 'Machine', cluster: 'KubeCluster') -> None:
    _CLUSTERS[machine] = cluster


def cluster_of(machine: 'Machine') -> Optional['KubeCluster']:
    return _CLUSTERS.get(machine)
