# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster health checks ClusterService.HealthCheck runs, in Talos's order, against the fleet's real state.

Each check looks at the machines of the cluster the way Talos's check would through the API: a
machine that is down answers nothing (grpc-go's "connection refused" text), services come from
each machine's service table (simulator.services), etcd membership and health from the real etcd
members, the boot stage from the machine's lifecycle. The Talos-side checks (1-9) therefore fail
for real: a stopped machine, an etcd member down, a stopped service.

The Kubernetes checks (10-16) read the fleet's Kubernetes cluster (simulator.kube) the way Talos's do
through the API (simulator.kube.checks): Nodes by their InternalIP, their Ready condition and
spec.unschedulable, the control plane's mirror pods, kube-proxy's DaemonSet and CoreDNS's Deployment and
their pods' Ready condition. The static pods check reads each control plane's Talos API as Talos does
(StaticPodStatus, there while the kubelet runs them).

As in Talos, the Kubernetes checks first fetch a kubeconfig through the local Talos API with the
*caller's* roles (internal/app/machined/internal/server/v1alpha1/v1alpha1_cluster.go:Server.HealthCheck
and pkg/cluster/kubernetes.go:KubernetesClient.Kubeconfig @ v1.13.9): Kubeconfig is os:admin only, so
an os:reader or os:operator caller sees them fail with PermissionDenied "not authorized" until the
deadline. Before the cluster endpoint first listens they fail with its connection refused; while etcd has
no quorum with the 503 the endpoint answers (simulator.kube.serving).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable, Optional
from urllib.parse import urlsplit

from simulator.etcd_gateway import EtcdError
from simulator.kube import checks
from simulator.kube.registry import cluster_of
from simulator.kube.server import UNAVAILABLE
from simulator.kube.store import Store
from simulator.lifecycle import lifecycle_of
from simulator.rbac import Authorizer
from simulator.readiness import kubernetes_api_up
from simulator.resources import KUBE_API_PORT, MACHINE_STAGES
from simulator.services import services_of

if TYPE_CHECKING:
    from simulator.machine import Machine

API_PORT = 50000
STATIC_PODS = ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')


class ClusterView:
    """The cluster as the check sees it: node addresses by type and the machine behind each address."""

    def __init__(self, local: 'Machine', controlplanes: list[str], workers: list[str],
                 roles: frozenset[str] = frozenset({'os:admin'})) -> None:
        self.local = local
        self.controlplanes = controlplanes
        self.workers = workers
        self.roles = roles  # the caller's: the local client the checks use carries them

    @property
    def nodes(self) -> list[str]:
        return self.controlplanes + self.workers

    def machine(self, address: str) -> Optional['Machine']:
        """The machine answering at ``address``, or None when nothing answers there."""
        for peer in self.local.peers():
            if peer.address == address and peer.running:
                return peer
        return None


def unavailable(address: str) -> str:
    return ('rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: '
            'dial tcp %s:%d: connect: connection refused"' % (address, API_PORT))


def multierror(errors: list[str]) -> str:
    """hashicorp/go-multierror's text."""
    if len(errors) == 1:
        return '1 error occurred:\n\t* %s\n\n' % errors[0]
    return '%d errors occurred:\n%s\n\n' % (len(errors), '\n'.join('\t* %s' % error for error in errors))


async def _service_health(view: ClusterView, service: str, nodes: list[str]) -> None:
    errors = []
    for node in sorted(nodes):
        machine = view.machine(node)
        if machine is None:
            raise AssertionError('error getting service info for service "%s" from node "%s": %s'
                                 % (service, node, unavailable(node)))
        table = services_of(machine)
        if service not in table.ids():
            raise AssertionError('expected a response with %d node(s), got %d' % (len(nodes), len(nodes) - 1))
        info = await table.info(service)
        if not info['events']:
            errors.append('%s: no events recorded yet for service "%s"' % (node, service))
            continue
        message, state, _when = info['events'][-1]
        if state != 'Running':
            errors.append('%s: service "%s" not in expected state "Running": current state [%s] %s'
                          % (node, service, state, message))
        elif not info['health'].healthy:
            errors.append('%s: service is not healthy: %s' % (node, service))
    if errors:
        raise AssertionError(multierror(errors))


async def _member_list(view: ClusterView, node: str) -> list[dict]:
    machine = view.machine(node)
    if machine is None:
        raise AssertionError('error getting etcd member list from node "%s": %s' % (node, unavailable(node)))
    member = machine.etcd
    if member is None:
        raise AssertionError('error getting etcd member list from node "%s": rpc error: code = Unimplemented '
                             'desc = member list is only available on control plane nodes' % node)
    peers = member.running_peers()
    last = 'no etcd member is running'
    for peer in peers:
        try:
            return await peer.gateway.members()
        except EtcdError as exc:
            last = exc.message
    raise AssertionError('error getting etcd member list from node "%s": rpc error: code = Unknown desc = '
                         'error getting etcd member list: %s' % (node, last))


async def etcd_healthy(view: ClusterView) -> None:
    await _service_health(view, 'etcd', view.controlplanes)


async def etcd_consistent(view: ClusterView) -> None:
    known: Optional[set] = None
    for node in sorted(view.controlplanes):
        members = await _member_list(view, node)
        entries = {(m['name'], m['id'], m['is_learner']) for m in members}
        if known is None:
            known = entries
            continue
        if len(entries) != len(known):
            raise AssertionError('%s: expected to have [%s] members, got [%s]' % (
                node, ' '.join(sorted(name for name, _id, _learner in known)),
                ' '.join(m['name'] for m in members)))
        for entry in entries - known:
            raise AssertionError('%s: found unexpected etcd member %s' % (node, entry[0]))


async def etcd_controlplanes(view: ClusterView) -> None:
    members = await _member_list(view, view.local.address)
    ips = [urlsplit(url).hostname or '' for member in members for url in member['peer_urls']]
    if not set(ips) <= set(view.controlplanes):
        raise AssertionError('etcd member ips %s are not subset of control plane node ips %s'
                             % (_quoted(ips), _quoted(view.controlplanes)))


def _quoted(items: list[str]) -> str:
    return '[%s]' % ' '.join('"%s"' % item for item in items)


def _version_errors(view: ClusterView) -> list[str]:
    return ['error getting version from node "%s": %s' % (node, unavailable(node))
            for node in view.nodes if view.machine(node) is None]


async def apid_ready(view: ClusterView) -> None:
    errors = _version_errors(view)
    if errors:
        raise AssertionError('\n'.join(errors))


async def memory_sizes(view: ClusterView) -> None:
    """Emulated machines have the memory Talos asks for; only unreachable nodes fail."""
    await apid_ready(view)


async def disk_sizes(view: ClusterView) -> None:
    await apid_ready(view)


async def no_diagnostics(view: ClusterView) -> None:
    for node in view.nodes:
        if view.machine(node) is None:
            raise AssertionError(unavailable(node))


async def kubelet_healthy(view: ClusterView) -> None:
    await _service_health(view, 'kubelet', view.controlplanes)


async def booted(view: ClusterView) -> None:
    by_stage: dict[str, list[str]] = {}
    for node in view.nodes:
        machine = view.machine(node)
        if machine is None:
            raise AssertionError(unavailable(node))
        stage = lifecycle_of(machine).stage
        if stage != 'running':
            by_stage.setdefault(stage, []).append(node)
    if by_stage:
        raise AssertionError('nodes are not running: %s' % ', '.join(
            '%s: [%s]' % (stage, ' '.join(sorted(by_stage[stage])))
            for stage in sorted(by_stage, key=MACHINE_STAGES.index)))


KUBECONFIG_METHOD = '/machine.MachineService/Kubeconfig'


def _kubernetes(view: ClusterView) -> Store:
    """What building the Kubernetes client does first: Kubeconfig with the caller's roles, then the API: the
    endpoint refuses connections until it first listens, and answers 503 while etcd has no quorum."""
    if not Authorizer(view.local.version).allowed(KUBECONFIG_METHOD, view.roles):
        raise AssertionError('rpc error: code = PermissionDenied desc = not authorized')
    cluster = cluster_of(view.local)
    if cluster is None or cluster.front.server is None:
        endpoint = '%s:%d' % (view.controlplanes[0] if view.controlplanes else view.local.address, KUBE_API_PORT)
        raise AssertionError('Get "https://%s/api/v1/nodes": dial tcp %s: connect: connection refused'
                             % (endpoint, endpoint))
    if not kubernetes_api_up(view.local):
        raise AssertionError(UNAVAILABLE)
    return cluster.store


def _kubelet_running(view: ClusterView, node: str) -> bool:
    machine = view.machine(node)
    if machine is None or not machine.configured:
        return False
    table = services_of(machine)
    return 'kubelet' in table.ids() and table.info_now('kubelet')['state'] == 'Running'


async def k8s_nodes_reported(view: ClusterView) -> None:
    checks.all_nodes_reported(_kubernetes(view), view.nodes)


async def static_pods(view: ClusterView) -> None:
    """Read through each control plane's Talos API (StaticPodStatus resources), not Kubernetes: they exist while
    the node's kubelet runs its static pods."""
    for node in view.controlplanes:
        if view.machine(node) is None:
            raise AssertionError('error listing static pods on node %s: %s' % (node, unavailable(node)))
        if not _kubelet_running(view, node):
            raise AssertionError('missing static pods on node %s: [%s]' % (node, ' '.join(
                'kube-system/%s' % pod for pod in STATIC_PODS)))


async def control_plane_ready(view: ClusterView) -> None:
    checks.full_control_plane(_kubernetes(view), view.controlplanes)


async def k8s_nodes_ready(view: ClusterView) -> None:
    checks.all_nodes_ready(_kubernetes(view))


async def kube_proxy_ready(view: ClusterView) -> None:
    store = _kubernetes(view)
    replicas = checks.daemonset_replicas(store, 'k8s-app=kube-proxy')
    if replicas is not None:
        checks.pods_ready(store, replicas, 'kube-system', 'k8s-app=kube-proxy')


async def coredns_ready(view: ClusterView) -> None:
    store = _kubernetes(view)
    replicas = checks.deployment_replicas(store, 'k8s-app=kube-dns')
    if replicas is not None:
        checks.pods_ready(store, replicas, 'kube-system', 'k8s-app=kube-dns')


async def schedulable(view: ClusterView) -> None:
    checks.all_nodes_schedulable(_kubernetes(view))


Check = Callable[[ClusterView], Awaitable[None]]

# (condition name, assertion) in Talos's order (pkg/cluster/check/default.go).
CHECKS: tuple[tuple[str, Check], ...] = (
    ('etcd to be healthy', etcd_healthy),
    ('etcd members to be consistent across nodes', etcd_consistent),
    ('etcd members to be control plane nodes', etcd_controlplanes),
    ('apid to be ready', apid_ready),
    ('all nodes memory sizes', memory_sizes),
    ('all nodes disk sizes', disk_sizes),
    ('no diagnostics', no_diagnostics),
    ('kubelet to be healthy', kubelet_healthy),
    ('all nodes to finish boot sequence', booted),
    ('all k8s nodes to report', k8s_nodes_reported),
    ('all control plane static pods to be running', static_pods),
    ('all control plane components to be ready', control_plane_ready),
    ('all k8s nodes to report ready', k8s_nodes_ready),
    ('kube-proxy to report ready', kube_proxy_ready),
    ('coredns to report ready', coredns_ready),
    ('all k8s nodes to report schedulable', schedulable),
)
