# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One Kubernetes cluster per fleet: its store (etcd), its API endpoint, and the loop that plays its kubelets,
Talos's node controllers and kube-controller-manager.

Every TICK seconds the loop looks at the machines (power, kubelet service, boot stage, config) and at
whether the store changed; only then does it reconcile, in passes until nothing more changes:

* the endpoint listens once the API is up and answers 503 while it is down (simulator.kube.serving), or while
  every control plane's kube-apiserver is being started anew (see ``api_servers_restarting``);
* while the API is up: Talos's bootstrap manifests once per coming up (simulator.kube.manifest_apply); a Node per
  configured machine whose kubelet ran (simulator.kube.nodes), the control planes' mirror pods
  (simulator.kube.static_pods); garbage collection, Deployments, ReplicaSets, DaemonSets
  (simulator.kube.workloads); scheduling (simulator.kube.scheduler); pod statuses per node
  (simulator.kube.kubelet). PodDisruptionBudget status and the violation record follow the store by
  themselves (simulator.kube.disruption.BudgetRecorder).

While the API is down nothing is written, as no control-plane component can write to etcd then.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from simulator import controlplane_config
from simulator.kube import addons, manifest_apply, node_drain, registry, scheduler, workloads
from simulator.kube import nodes as nodelib
from simulator.kube import pods as podlib
from simulator.kube.departures import Departures
from simulator.kube.disruption import BudgetRecorder
from simulator.kube.front import ApiFront
from simulator.kube.kubelet import Kubelets
from simulator.kube.nodename import from_hostname
from simulator.kube.serving import Endpoint, endpoint_of
from simulator.kube.settings import MachineKubeConfig, kube_config_of
from simulator.kube.static_pods import COMPONENTS, MIRROR, is_mirror, mirror_pod
from simulator.kube.api_types import Obj
from simulator.kube.errors import ApiError
from simulator.kube.store import Store, now_rfc3339
from simulator.kubeconfig import KubernetesCluster
from simulator.lifecycle import DRAIN_HOOKS, lifecycle_of
from simulator.readiness import kubernetes_api_up
from simulator.services import KUBELET, services_of

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

TICK = 0.2
PASSES = 6  # reconcile passes per tick at most (each one follows the previous one's writes)
POD_NETWORK = ipaddress.ip_network('10.244.0.0/16')  # the config's cluster.network.podSubnets default

DRAIN_HOOKS.append(node_drain.cordon_and_drain)  # the sequences' cordonAndDrainNode task


@dataclass(frozen=True)
class MachineView:
    """What one pass reads of a configured machine."""

    machine: 'Machine'
    nodename: str
    config: MachineKubeConfig
    kubelet: str  # simulator.kube.nodes READY, NOT_READY or SILENT
    stage: str

    @property
    def key(self) -> tuple:
        machine = self.machine
        return (machine.address, machine.running, machine.boot_id, machine.version.tag, self.nodename,
                self.kubelet, self.stage, machine.config_yaml)


def _cause(nodename: str, kubelet: str, stage: str) -> str:
    """What a budget violation recorded during a node's sync is put down to."""
    return 'node %s: kubelet %s, stage %s' % (nodename, kubelet, stage)


def _kubelet_state(machine: 'Machine') -> str:
    if not machine.running or not machine.configured:
        return nodelib.SILENT
    service = services_of(machine).services.get(KUBELET)
    if service is None or not service.running:
        return nodelib.SILENT
    return nodelib.READY if service.health.healthy else nodelib.NOT_READY


@functools.lru_cache(maxsize=8)
def _kubernetes_cluster(config_yaml: str) -> KubernetesCluster:
    """Name, endpoint and CA of a config (cached: looked at on every reconcile)."""
    return KubernetesCluster(config_yaml)


def view_of(machine: 'Machine') -> MachineView:
    return MachineView(machine, from_hostname(machine.hostname), kube_config_of(machine),
                       _kubelet_state(machine), lifecycle_of(machine).stage if machine.running else 'unknown')


def _container_waiting(pod: Obj) -> bool:
    return any('waiting' in (status.get('state') or {})
               for status in (pod.get('status') or {}).get('containerStatuses') or [])


def api_servers_restarting(store: Store) -> bool:
    """Whether every kube-apiserver the kubelets report is being started anew, so none serves.

    A changed static pod's containers are killed before the new ones start (kubernetes/kubernetes v1.34.0
    pkg/kubelet/kuberuntime/kuberuntime_manager.go:computePodActions, then SyncPod kills before it starts):
    until the new kube-apiserver runs, that control plane serves nothing. The load balancer in front of them
    (simulator.kube.serving) still has a backend while one other kube-apiserver runs; with none it answers
    503. A mirror pod's container is only reported waiting while its static pod restarts
    (simulator.kube.kubelet). Only clients see this: the cluster's own controllers write to the store.
    """
    pods, _rv = store.list('pods', 'kube-system', label_selector='k8s-app=kube-apiserver')
    servers = [pod for pod in pods if is_mirror(pod)]
    return bool(servers) and all(_container_waiting(pod) for pod in servers)


class KubeCluster:
    """The fleet's Kubernetes; see the module docstring. ``machines()`` is the fleet's current machine list."""

    def __init__(self, machines: Callable[[], list['Machine']], resolve: Callable[[str], str]) -> None:
        self.store = Store()
        self.recorder = BudgetRecorder(self.store)
        self.kubelets = Kubelets(self.store)
        self.front = ApiFront(self.store, self.recorder)
        self.departures = Departures(self.store)
        self._machines = machines
        self._resolve = resolve
        self._dirty = True
        self._inputs: Optional[tuple] = None
        self._manifests_applied = False
        self._task: Optional[asyncio.Future] = None
        self.store.subscribe(self._changed)

    def attach(self, machine: 'Machine') -> None:
        registry.register(machine, self)
        machine.shutdown_hooks.append(self.departures.record)

    def _changed(self, _event: str, _resource: str, _obj: Obj) -> None:
        self._dirty = True

    # -- the loop ------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.front.stop()
        self.recorder.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception:  # pylint: disable=broad-except  # one bad pass must not end the cluster
                log.exception('kubernetes reconcile failed')
            await asyncio.sleep(TICK)

    def api_up(self) -> bool:
        machines = self._machines()
        return bool(machines) and kubernetes_api_up(machines[0])

    def _views(self) -> list[MachineView]:
        return [view_of(m) for m in self._machines() if m.configured]

    async def reconcile(self) -> None:
        """One look at the fleet; reconcile when something changed (see the module docstring)."""
        views = self._views()
        up = self.api_up()
        answering = up and not api_servers_restarting(self.store)
        inputs = (answering, tuple(view.key for view in views))
        due = self.kubelets.next_due()
        if inputs == self._inputs and not self._dirty and (due is None or due > time.monotonic()):
            return
        self._inputs = inputs
        await self.front.follow(self._endpoint(views), answering)
        if not self.api_up():
            self._manifests_applied = False
            return
        views = self._views()  # the machines moved on while the listener started: never write a stale view
        if not self._manifests_applied:
            self._apply_manifests(views)
        for _ in range(PASSES):
            self._dirty = False
            before = self.store.revision
            self._pass(views)
            if self.store.revision == before:
                break

    def _settings_view(self, views: list[MachineView]) -> Optional[MachineView]:
        """Cluster-wide settings come from a control plane's config (the first one)."""
        return next((v for v in views if v.config.controlplane), None)

    def _endpoint(self, views: list[MachineView]) -> Optional[tuple[Endpoint, KubernetesCluster, str]]:
        settings = self._settings_view(views)
        if settings is None:
            return None
        cluster = _kubernetes_cluster(settings.machine.config_yaml or '')
        if not cluster.complete:
            return None
        controlplanes = tuple((v.machine.hostname, v.machine.address) for v in views if v.config.controlplane)
        endpoint = endpoint_of(cluster.endpoint, controlplanes, self._resolve)
        if endpoint is None:
            log.debug('kubernetes endpoint %s is not an address talos-sim can listen on', cluster.endpoint)
            return None
        return endpoint, cluster, settings.config.kubernetes_version

    def _apply_manifests(self, views: list[MachineView]) -> None:
        """A control plane's bootstrap manifests: what is missing is created, the rest left alone
        (simulator.kube.manifest_apply)."""
        settings = self._settings_view(views)
        if settings is None:
            return
        manifest_apply.apply_manifests(self.store, addons.manifests(settings.machine.config_yaml or ''))
        self._manifests_applied = True

    # -- one pass ------------------------------------------------------------------------------------------

    def _pass(self, views: list[MachineView]) -> None:
        now = now_rfc3339()
        for view in views:
            self._sync_node(view, now)
        nodes, _rv = self.store.list('nodes')
        rss, _rv = self.store.list('replicasets')
        dss, _rv = self.store.list('daemonsets')
        deploys, _rv = self.store.list('deployments')
        pods, _rv = self.store.list('pods')
        pods = workloads.collect_garbage(self.store, 'pods', pods, workloads.owner_uids(rss, dss, nodes))
        rss = workloads.collect_garbage(self.store, 'replicasets', rss, workloads.owner_uids(deploys))
        self._sync_mirror_pods(views, nodes, pods, now)
        for deploy in deploys:
            workloads.sync_deployment(self.store, deploy, rss, now)
        rss, _rv = self.store.list('replicasets')
        for rs in rss:
            workloads.sync_replicaset(self.store, rs, pods)
        for ds in dss:
            workloads.sync_daemonset(self.store, ds, nodes, pods)
        pods, _rv = self.store.list('pods')
        active = [p for p in pods if podlib.is_active(p)]
        self._schedule(nodes, active, now)
        by_name = {view.nodename: view for view in views}
        for node in nodes:
            name = node['metadata']['name']
            view = by_name.get(name)
            bound = [p for p in active if p['spec'].get('nodeName') == name]
            kubelet = view.kubelet if view is not None else nodelib.SILENT
            boot_id = view.machine.boot_id if view is not None else ''
            with self.recorder.cause(_cause(name, kubelet, view.stage if view is not None else 'unknown')):
                self.kubelets.sync(node, kubelet, boot_id, bound, now)
        self.kubelets.forget({p['metadata']['uid'] for p in active})

    def _sync_node(self, view: MachineView, now: str) -> None:
        machine = view.machine
        try:
            self.store.get('nodes', None, view.nodename)
        except ApiError as err:
            if err.code != 404 or view.kubelet == nodelib.SILENT:
                return  # a kubelet that never ran registered nothing
            self.store.create('nodes', nodelib.registration(view.nodename, machine.address, self._pod_cidr(), now))
        info = nodelib.node_info(machine.node_id, machine.boot_id, machine.version.tag, machine.version.minor,
                                 view.config.kubelet_version)

        def update(node: Obj) -> Obj:
            if machine.running:  # Talos's controllers run on the machine itself
                nodelib.apply_talos(node, view.config, view.stage)
            nodelib.post_status(node, view.kubelet, info, now)
            return nodelib.lifecycle_taints(node, view.kubelet, now)
        with self.recorder.cause(_cause(view.nodename, view.kubelet, view.stage)):
            self.store.mutate('nodes', None, view.nodename, update)

    def _pod_cidr(self) -> str:
        """The range allocator's next free /24 of the pod network."""
        nodes, _rv = self.store.list('nodes')
        taken = {(n.get('spec') or {}).get('podCIDR') for n in nodes}
        return next(str(net) for net in POD_NETWORK.subnets(new_prefix=24) if str(net) not in taken)

    def _sync_mirror_pods(self, views: list[MachineView], nodes: list[Obj], pods: list[Obj], now: str) -> None:
        """A control plane's kubelet (re)creates the mirror pods of its static pods when missing or outdated; an
        outdated one (a new config version) is replaced by a pod whose containers start anew."""
        by_name = {n['metadata']['name']: n for n in nodes}
        mirrors = {(p['metadata']['name']): p for p in pods if is_mirror(p)}
        for view in views:
            node = by_name.get(view.nodename)
            if node is None or not view.config.controlplane or view.kubelet == nodelib.SILENT:
                continue
            configs = controlplane_config.current(view.machine)
            for component in COMPONENTS:
                config = configs.get(component)
                if config is None or not config.spec.get('enabled', True):
                    continue  # control_plane_static_pod.go: no config, or disabled: no pod
                wanted = mirror_pod(component, node, view.config, view.machine.address, now, str(config.version),
                                    controlplane_config.SECRETS_VERSION)
                name = wanted['metadata']['name']
                present = mirrors.get(name)
                if present is not None and present['metadata']['annotations'].get(MIRROR) == \
                        wanted['metadata']['annotations'][MIRROR]:
                    continue
                if present is not None:
                    self.store.delete('pods', 'kube-system', name)
                created = self.store.create('pods', wanted)
                if present is not None:
                    self.kubelets.restarting(created['metadata']['uid'])

    def _schedule(self, nodes: list[Obj], active: list[Obj], now: str) -> None:
        load: dict[str, int] = {}
        for pod in active:
            node_name = pod['spec'].get('nodeName')
            if node_name:
                load[node_name] = load.get(node_name, 0) + 1
        for pod in active:
            if pod['spec'].get('nodeName'):
                continue
            chosen, message = scheduler.choose(pod['spec'], nodes, load)
            if chosen is None:
                self.store.update('pods', podlib.unschedulable(pod, message, now), subresource='status')
                continue
            load[chosen] = load.get(chosen, 0) + 1

            def bind(current: Obj, node_name: str = chosen) -> Obj:
                current['spec']['nodeName'] = node_name
                return podlib.scheduled(current, now)
            self.store.mutate('pods', pod['metadata']['namespace'], pod['metadata']['name'], bind)

    # -- what readiness, health checks and the sequences read ----------------------------------------------

    def node_of(self, machine: 'Machine') -> Optional[Obj]:
        """The machine's Node as its kubelet posts it now; None when it has none (never registered, or the API is
        down). Readiness asks on every look at the machine, so the node follows its kubelet without a tick's lag."""
        if not machine.configured or not self.api_up():
            return None
        self._sync_node(view_of(machine), now_rfc3339())
        try:
            return self.store.get('nodes', None, from_hostname(machine.hostname))
        except ApiError:
            return None
