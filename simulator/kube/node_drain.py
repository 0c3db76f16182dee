# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""machined's cordonAndDrainNode task (shutdown unless forced, graceful reset, legacy upgrade).

``internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go:CordonAndDrainNode @ v1.13.9``: a
node that never joined (no kubelet client certificate: here, no Node) is left alone; otherwise the task
waits up to a minute for the node to be cordoned — Talos's node controllers cordon it themselves in the
stages shutting down, upgrading and resetting (simulator.kube.nodes.apply_talos) — and fails with the
context's error when it is not. Then ``pkg/kubernetes/kubernetes.go:Drain``: the node's pods are listed by
``spec.nodeName``; mirror pods, pods without a controller and DaemonSet pods are skipped; every other pod
is evicted concurrently, retrying every 5 s while a disruption budget refuses (429), done when the pod is
gone (404 included); any other error is only logged. The whole drain gives up after 5 minutes without
failing the task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from simulator import lifecycle
from simulator.kube import pods as podlib
from simulator.kube.disruption import evict
from simulator.kube.nodename import from_hostname
from simulator.kube.registry import cluster_of
from simulator.kube.server import UNAVAILABLE
from simulator.kube.static_pods import is_mirror
from simulator.kube.api_types import Obj
from simulator.kube.errors import ApiError, service_unavailable

if TYPE_CHECKING:
    from simulator.kube.cluster import KubeCluster
    from simulator.machine import Machine

log = logging.getLogger(__name__)

CORDON_WAIT = 60.0
CORDON_POLL = 0.1
EVICT_RETRY = 5.0
DRAIN_TIMEOUT = 300.0


def _registered(cluster: 'KubeCluster', nodename: str) -> bool:
    return bool(cluster.store.list('nodes', field_selector='metadata.name=' + nodename)[0])


def _cordoned(cluster: 'KubeCluster', nodename: str) -> bool:
    nodes, _rv = cluster.store.list('nodes', field_selector='metadata.name=' + nodename)
    return cluster.api_up() and bool(nodes) and bool((nodes[0].get('spec') or {}).get('unschedulable'))


async def _evict(cluster: 'KubeCluster', pod: Obj) -> None:
    namespace, name = pod['metadata']['namespace'], pod['metadata']['name']
    body = {'apiVersion': 'policy/v1', 'kind': 'Eviction', 'metadata': {'name': name, 'namespace': namespace},
            'deleteOptions': {'gracePeriodSeconds': 60}}
    while True:
        try:
            if not cluster.api_up():
                raise service_unavailable(UNAVAILABLE)
            evict(cluster.store, namespace, name, body, cluster.recorder)
            return  # deleted at once: nothing to wait for
        except ApiError as err:
            if err.code == 429:
                await asyncio.sleep(EVICT_RETRY)
            elif err.code == 404:
                return
            else:
                log.debug('WARNING: failed to evict pod: failed to evict pod %s/%s: %s', namespace, name, err.message)
                return


def drainable(pod: Obj) -> bool:
    """Whether a drain moves this pod: not a mirror pod, owned by a controller that is not a DaemonSet."""
    if is_mirror(pod):
        return False
    owner = podlib.controller_of(pod)
    return owner is not None and owner.get('kind') != 'DaemonSet'


async def cordon_and_drain(machine: 'Machine') -> None:
    cluster = cluster_of(machine)
    nodename = from_hostname(machine.hostname)
    if cluster is None or not _registered(cluster, nodename):
        return
    deadline = time.monotonic() + CORDON_WAIT
    while not _cordoned(cluster, nodename):
        if time.monotonic() >= deadline:
            raise lifecycle.TaskFailed('context deadline exceeded')
        await asyncio.sleep(CORDON_POLL)
    pods, _rv = cluster.store.list('pods', field_selector='spec.nodeName=' + nodename)
    evictions = [_evict(cluster, pod) for pod in pods if drainable(pod)]
    try:
        await asyncio.wait_for(asyncio.gather(*evictions), DRAIN_TIMEOUT)
    except asyncio.TimeoutError:
        log.debug('%s: drain gave up after %.0f s', nodename, DRAIN_TIMEOUT)
