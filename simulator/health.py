# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster health checks ClusterService.HealthCheck runs, in Talos's order, against the fleet's real state.

Each check looks at the machines of the cluster the way Talos's check would through the API: a
machine that is down answers nothing (grpc-go's "connection refused" text), services come from
each machine's service table (simulator.services), etcd membership and health from the real etcd
members, the boot stage from the machine's lifecycle. The Talos-side checks (1-9) therefore fail
for real: a stopped machine, an etcd member down, a stopped service.

talos-sim runs no Kubernetes. Its Kubernetes checks (10-16) stand on the Talos side instead: a
node is registered when its kubelet runs, ready when its kubelet is healthy, and the control
plane static pods run on a control plane whose kubelet runs; so they pass whenever the Talos side
is healthy. Error texts follow Talos's where they exist.

As in Talos, the Kubernetes checks first fetch a kubeconfig through the local Talos API with the
*caller's* roles (internal/app/machined/internal/server/v1alpha1/v1alpha1_cluster.go:Server.HealthCheck
and pkg/cluster/kubernetes.go:KubernetesClient.Kubeconfig @ v1.13.9): Kubeconfig is os:admin only, so
an os:reader or os:operator caller sees them fail with PermissionDenied "not authorized" until the
deadline. Without a Kubernetes API (no healthy etcd anywhere: simulator.readiness) they fail with the
connection refused of the cluster endpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable, Optional
from urllib.parse import urlsplit

from simulator.etcd_gateway import EtcdError
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


def _kubernetes(view: ClusterView) -> None:
    """What building the Kubernetes client does first: Kubeconfig with the caller's roles, then the API."""
    if not Authorizer(view.local.version).allowed(KUBECONFIG_METHOD, view.roles):
        raise AssertionError('rpc error: code = PermissionDenied desc = not authorized')
    if not kubernetes_api_up(view.local):
        endpoint = '%s:%d' % (view.controlplanes[0] if view.controlplanes else view.local.address, KUBE_API_PORT)
        raise AssertionError('Get "https://%s/api/v1/nodes": dial tcp %s: connect: connection refused'
                             % (endpoint, endpoint))


def _kubelet(view: ClusterView, node: str) -> Optional[dict]:
    """The kubelet service of a node, None when the node or its kubelet is not there."""
    machine = view.machine(node)
    if machine is None or not machine.configured:
        return None
    table = services_of(machine)
    return table.info_now('kubelet') if 'kubelet' in table.ids() else None


def _kubelet_running(view: ClusterView, node: str) -> bool:
    kubelet = _kubelet(view, node)
    return kubelet is not None and kubelet['state'] == 'Running'


def _kubelet_healthy(view: ClusterView, node: str) -> bool:
    kubelet = _kubelet(view, node)
    return kubelet is not None and kubelet['state'] == 'Running' and kubelet['health'].healthy


async def k8s_nodes_reported(view: ClusterView) -> None:
    _kubernetes(view)
    missing = [node for node in view.nodes if not _kubelet_running(view, node)]
    if missing:
        raise AssertionError("can't find expected node with IPs %s" % _quoted(missing))


async def static_pods(view: ClusterView) -> None:
    _kubernetes(view)
    for node in view.controlplanes:
        if not _kubelet_running(view, node):
            raise AssertionError('missing static pods on node %s: [%s]' % (node, ' '.join(
                'kube-system/%s-%s' % (pod, node) for pod in STATIC_PODS)))


async def control_plane_ready(view: ClusterView) -> None:
    _kubernetes(view)
    ready = sum(1 for node in view.controlplanes if _kubelet_healthy(view, node))
    if ready != len(view.controlplanes):
        raise AssertionError('expected number of pods for kube-apiserver to be %d, got %d'
                             % (len(view.controlplanes), ready))


async def k8s_nodes_ready(view: ClusterView) -> None:
    _kubernetes(view)
    not_ready = [node for node in view.nodes if not _kubelet_healthy(view, node)]
    if not_ready:
        raise AssertionError('some nodes are not ready: [%s]' % ' '.join(not_ready))


async def kube_proxy_ready(view: ClusterView) -> None:
    _kubernetes(view)
    ready = sum(1 for node in view.nodes if _kubelet_healthy(view, node))
    if ready != len(view.nodes):
        raise AssertionError('expected number ready for kube-proxy to be %d, got %d' % (len(view.nodes), ready))


async def coredns_ready(view: ClusterView) -> None:
    _kubernetes(view)
    if not any(_kubelet_healthy(view, node) for node in view.nodes):
        raise AssertionError('no ready pods found for namespace "kube-system" and label selector "k8s-app=kube-dns"')


async def schedulable(view: ClusterView) -> None:
    _kubernetes(view)  # nothing cordons nodes in talos-sim


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
