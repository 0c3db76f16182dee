# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pod side of every node's kubelet: start the pods bound to the node, report them, restart them after a
reboot; and the node lifecycle controller's MarkPodsNotReady while the kubelet is silent or not ready.

A pod bound to a Ready node is first ContainerCreating (simulator.kube.pods.creating) and runs
``start_delay`` seconds later (``ctl kube-start-delay``); a mirror pod's containers already run (the kubelet
started the static pod before it could create the mirror), but a mirror pod that replaces an outdated one
(its static pod changed) is created while the new containers are being started: ContainerCreating, not
Ready, then Running after ``start_delay``. A node's pods that ran in an earlier boot restart
when the node is Ready again. Pod IPs: the node's address for hostNetwork pods, else the lowest free
address of the node's podCIDR from .2 up (flannel's host-local IPAM, its bridge holds .1).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any, Optional

from simulator.kube import nodes as nodelib
from simulator.kube import pods as podlib
from simulator.kube.static_pods import is_mirror
from simulator.kube.api_types import Obj
from simulator.kube.store import Store

START_DELAY = 0.3  # seconds from a pod's binding to its containers running


class Kubelets:
    def __init__(self, store: Store, start_delay: float = START_DELAY) -> None:
        self._store = store
        self.start_delay = start_delay
        self._due: dict[str, float] = {}  # pod uid -> when (monotonic) its containers run
        self._boots: dict[str, str] = {}  # node name -> the boot its pods last ran in
        self._restarting: set[str] = set()  # uids of mirror pods whose static pod's containers start anew

    def next_due(self) -> Optional[float]:
        return min(self._due.values(), default=None)

    def forget(self, live_uids: set[str]) -> None:
        """Drop the timers of pods that are gone."""
        for uid in set(self._due) - live_uids:
            del self._due[uid]
        self._restarting &= live_uids

    def restarting(self, uid: str) -> None:
        """The mirror pod ``uid`` stands for a changed static pod: its containers are not running yet."""
        self._restarting.add(uid)

    def sync(self, node: Obj, kubelet: str, boot_id: str, pods: list[Obj], now: str) -> None:
        """One node's pods (``pods``: the active ones bound to it) for the kubelet state ``kubelet``."""
        name = node['metadata']['name']
        if kubelet != nodelib.READY:
            for pod in pods:
                self._post(podlib.mark_not_ready(pod, now))
            return
        restarted = self._boots.get(name, boot_id) != boot_id
        self._boots[name] = boot_id
        address = nodelib.internal_ip(node)
        taken = {(p.get('status') or {}).get('podIP') for p in pods}
        clock = time.monotonic()
        for pod in pods:
            status = pod.get('status') or {}
            uid = pod['metadata']['uid']
            pod_ip = status.get('podIP') or (address if pod['spec'].get('hostNetwork')
                                             else _free_ip(node, taken))
            taken.add(pod_ip)
            if status.get('phase') == 'Running':
                self._post(podlib.running(pod, address, pod_ip, now, restarted))
            elif (is_mirror(pod) and uid not in self._restarting) or self._due.get(uid, clock + 1) <= clock:
                self._due.pop(uid, None)
                self._restarting.discard(uid)
                self._post(podlib.running(pod, address, pod_ip, now))
            elif not status.get('containerStatuses'):
                self._due[uid] = clock + self.start_delay
                self._post(podlib.creating(pod, address, pod_ip, now))
            else:
                self._due.setdefault(uid, clock + self.start_delay)  # creating since before a restart of ours

    def _post(self, pod: Obj) -> None:
        """The status write (the store writes nothing when the status did not change)."""
        self._store.update('pods', pod, subresource='status')


def _free_ip(node: Obj, taken: set[Any]) -> str:
    cidr = (node.get('spec') or {}).get('podCIDR')
    if not cidr:
        return ''
    for host in list(ipaddress.ip_network(cidr).hosts())[1:]:
        if str(host) not in taken:
            return str(host)
    return ''
