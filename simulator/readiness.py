# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machine readiness and the end of the boot sequence, as machined decides them.

MachineStatus readiness (internal/app/machined/pkg/controllers/runtime/machine_status.go:getReadinessChecks
@ v1.12.0, v1.13.9, v1.14.0-rc.1): only in stages ``booting`` and ``running`` are conditions checked, in
this order, each giving an unmet condition (name, reason) when it fails; in any other stage the machine
is ready:

* ``time``: "time is not synced" (``ctl time-sync NAME off`` holds it off);
* ``network``: always ready here (loopback addresses, hostname and /etc files exist at once);
* ``services``: every running service that reports unhealthy health ("<id> not healthy", by ID), then
  every required service that is not running ("<id> not running"): apid, machined, kubelet, and etcd,
  trustd on control planes (1.14 requires kubelet only when the config has a Kubernetes part — every
  config talos-sim runs has one);
* ``staticPods``: the control plane's static pods are rendered only once the local etcd service is healthy
  (k8s/control_plane_static_pod.go:ControlPlaneStaticPodController.Run @ v1.13.9) and talos-sim runs them
  as soon as they are, so this condition holds;
* ``nodeReady``: 'node "<hostname>" status is not available yet' while the machine has no Node in the
  cluster's API (no API, or its kubelet never registered), 'node "<hostname>" is not ready' while the
  Node's Ready condition is not True (machined reads the NodeStatus its node watch keeps:
  ``controllers/runtime/machine_status.go`` and ``controllers/k8s/node_status.go @ v1.13.9``).

"The Kubernetes API is up" means some control plane of the fleet runs a Running, healthy etcd service
(its kube-apiserver would be serving); the Node is the one in the fleet's cluster (simulator.kube.cluster),
Ready while its kubelet runs and is healthy. So a control plane waiting for bootstrap is never ready, and
a worker is not ready until a control plane's API server is up.

The boot sequence ends (stage ``running``) once every service started by ``startAllServices`` is up —
running and healthy, or finished — (v1alpha1_sequencer_tasks.go:StartAllServices, system/service_runner.go:
inStateLocked @ v1.13.9): CRI and kubelet after the CRI delay, and on a control plane etcd, which is only
up once it joined or was bootstrapped (Bootstrap marks it finished to unblock the boot:
system/services/etcd.go:BootstrapEtcd @ v1.13.9).
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from simulator import lifecycle
from simulator.kube.nodes import ready_status
from simulator.kube.registry import cluster_of
from simulator.services import ETCD, KUBELET, services_of

if TYPE_CHECKING:
    from simulator.machine import Machine

CHECKED_STAGES = ('booting', 'running')
_REQUIRED = ('apid', 'machined', KUBELET)
_REQUIRED_CONTROLPLANE = (ETCD, 'trustd')
_TIME_HELD: 'weakref.WeakSet[Machine]' = weakref.WeakSet()


def hold_time_sync(machine: 'Machine', held: bool) -> None:
    """The fault ``ctl time-sync NAME off|on``: the machine's time stays (or stops being) unsynchronised."""
    if held:
        _TIME_HELD.add(machine)
    else:
        _TIME_HELD.discard(machine)
    machine.on_change()


def time_synced(machine: 'Machine') -> bool:
    return machine not in _TIME_HELD


def _services_problems(machine: 'Machine') -> list[str]:
    table = services_of(machine)
    problems, running = [], set()
    for service_id, spec in table.resource_specs():
        running.add(service_id)
        if not spec['unknown'] and not spec['healthy']:
            problems.append('%s not healthy' % service_id)
    required = _REQUIRED + (_REQUIRED_CONTROLPLANE if machine.machine_type == 'controlplane' else ())
    problems += ['%s not running' % service_id for service_id in required if service_id not in running]
    return problems


def _etcd_healthy(machine: 'Machine') -> bool:
    """The machine's etcd service as its Services resource shows it: running and healthy."""
    if not machine.running or not machine.configured or machine.etcd is None:
        return False
    return services_of(machine).etcd_healthy()


class _EtcdPeers:
    """The machines of a fleet that have an etcd member, kept until the fleet or its etcd members change:
    every machine asks several times a second, and looking through the whole fleet each time made the
    fleet's readiness polls grow with the square of its size. Also what those polls last found of the
    Kubernetes API (``api_up_lately``)."""

    def __init__(self) -> None:
        self.peers: list['Machine'] = []
        self.key: tuple[int, int] = (-1, -1)
        self.members: list['Machine'] = []
        self.api_up = False
        self.api_up_at = float('-inf')

    def of(self, machine: 'Machine') -> list['Machine']:
        peers = machine.peers()
        key = (len(peers), type(machine).etcd_changes)
        if peers is not self.peers or key != self.key:
            self.peers, self.key = peers, key
            self.members = [peer for peer in peers if peer.etcd is not None]
            self.api_up_at = float('-inf')
        return self.members

    def api_up_lately(self, machine: 'Machine') -> bool:
        """``kubernetes_api_up`` as a readiness poll of the fleet found it at most API_UP_KEPT seconds ago.

        Every machine's poll asks the same question of the same control planes; answering it anew for each of
        them took a quarter of an idle 500-machine fleet's CPU. Polls come every lifecycle.STATUS_POLL seconds,
        so a change shows no later than it would have, give or take API_UP_KEPT. Other callers (the API's
        front, Talos's health check) ask ``kubernetes_api_up`` itself."""
        members = self.of(machine)
        now = time.monotonic()
        if now - self.api_up_at > API_UP_KEPT:
            self.api_up = _serving(members)
            self.api_up_at = now
        return self.api_up


_ETCD_PEERS = _EtcdPeers()
API_UP_KEPT = lifecycle.STATUS_POLL / 4


def _serving(members: list['Machine']) -> bool:
    return any(_etcd_healthy(peer) for peer in members)


def kubernetes_api_up(machine: 'Machine') -> bool:
    """Some control plane of the fleet serves the Kubernetes API (talos-sim: runs a healthy etcd)."""
    return _serving(_ETCD_PEERS.of(machine))


def _node_problem(machine: 'Machine') -> str:
    cluster = cluster_of(machine)
    node = cluster.node_of(machine) if cluster is not None and _ETCD_PEERS.api_up_lately(machine) else None
    if node is None:
        return 'node "%s" status is not available yet' % machine.hostname
    if ready_status(node) != 'True':
        return 'node "%s" is not ready' % machine.hostname
    return ''


def readiness(machine: 'Machine', stage: str) -> tuple[bool, list[dict[str, str]]]:
    """(ready, unmet conditions) for the machine in ``stage``."""
    if stage not in CHECKED_STAGES or not machine.configured:
        return True, []
    unmet = []
    if not time_synced(machine):
        unmet.append({'name': 'time', 'reason': 'time is not synced'})
    problems = _services_problems(machine)
    if problems:
        unmet.append({'name': 'services', 'reason': ', '.join(problems)})
    node = _node_problem(machine)
    if node:
        unmet.append({'name': 'nodeReady', 'reason': node})
    return not unmet, unmet


def _etcd_up(machine: 'Machine') -> bool:
    """etcd up for the boot sequence: running and healthy, or finished by a Bootstrap of this boot."""
    member = machine.etcd
    if member is None:
        return True
    if any(message == 'Bootstrap requested' and when >= machine.booted_at for message, _state, when in member.events):
        return True
    return _etcd_healthy(machine)


def boot_finished(machine: 'Machine') -> bool:
    """Every service startAllServices waits for is up (see the module docstring)."""
    if not machine.configured:
        return True
    table = services_of(machine)
    return table.cri_up and table.is_running(KUBELET) and _etcd_up(machine)


lifecycle.BOOT_WAITS.append(boot_finished)
lifecycle.READINESS.append(readiness)
