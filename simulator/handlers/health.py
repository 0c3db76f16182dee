# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClusterService.HealthCheck: Talos's cluster checks (simulator.health) streamed as progress lines.

As machined does: control planes only; the nodes are the request's, else every configured member
of the cluster (discovery); the first line is ``discovered nodes: [...]``; then, check by check in
order, de-duplicated ``waiting for <check>: ...`` / ``: <last error>`` / ``: OK`` lines. A failing
check is polled again every INTERVAL seconds (Talos: 5) until it passes or ``wait_timeout`` runs
out; then the stream ends with DEADLINE_EXCEEDED "context deadline exceeded".
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Optional

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.cluster import cluster_pb2 as cluster_api_pb2

from simulator.api import ClusterService
from simulator.calls import Call, server_stream
from simulator.health import CHECKS, ClusterView
from simulator.netip import ParseAddrError, parse_addr

INTERVAL = 1.0
API_NAME = 'cluster health check'


def _ips(nodes: Any) -> list[str]:
    """cluster.IPsToNodeInfos: every given node must be an IP literal (netip.ParseAddr); a name fails the call."""
    try:
        return [parse_addr(node) for node in nodes]
    except ParseAddrError as exc:
        raise GRPCError(Status.UNKNOWN, str(exc)) from None


def _view(call: Call) -> ClusterView:
    """v1alpha1_cluster.go:buildClusterInfo @ v1.13.9: the request's nodes, else discovery's members."""
    machine = call.machine
    info = call.request.cluster_info
    if info.control_plane_nodes or info.worker_nodes:
        return ClusterView(machine, _ips(info.control_plane_nodes), _ips(info.worker_nodes), call.roles)
    members = [peer for peer in machine.peers() if peer.configured]
    return ClusterView(machine, [peer.address for peer in members if peer.planned_type == 'controlplane'],
                       [peer.address for peer in members if peer.planned_type != 'controlplane'], call.roles)


class _Reporter:
    """Drops a line equal to the previous one, as Talos's reporter does."""

    def __init__(self) -> None:
        self.last: Optional[str] = None

    def line(self, text: str) -> list[Any]:
        text = text.strip()
        if text == self.last:
            return []
        self.last = text
        return [cluster_api_pb2.HealthCheckProgress(message=text)]


def _deadline_exceeded() -> GRPCError:
    return GRPCError(Status.DEADLINE_EXCEEDED, 'context deadline exceeded')


@server_stream(ClusterService.HealthCheck)
async def health_check(call: Call) -> AsyncIterator[Any]:
    machine = call.machine
    if not machine.configured:
        raise GRPCError(Status.UNIMPLEMENTED, 'machine type is not set, cannot use %s API' % API_NAME)
    if machine.machine_type != 'controlplane':
        raise GRPCError(Status.UNIMPLEMENTED, '%s is only available on control plane nodes' % API_NAME)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + call.request.wait_timeout.ToNanoseconds() / 1e9
    view = _view(call)
    yield cluster_api_pb2.HealthCheckProgress(
        message='discovered nodes: [%s]' % ' '.join('"%s"' % node for node in view.nodes))
    reporter = _Reporter()
    for name, check in CHECKS:
        if loop.time() >= deadline:
            raise _deadline_exceeded()
        for message in reporter.line('waiting for %s: ...' % name):
            yield message
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise _deadline_exceeded()  # the last error stays the last line, as in Talos
            try:
                await asyncio.wait_for(check(view), min(INTERVAL, remaining))
            except AssertionError as exc:
                error = str(exc)
            except asyncio.TimeoutError:
                if loop.time() >= deadline:
                    raise _deadline_exceeded() from None
                error = 'context deadline exceeded'
            else:
                for message in reporter.line('waiting for %s: OK' % name):
                    yield message
                break
            for message in reporter.line('waiting for %s: %s' % (name, error)):
                yield message
            await asyncio.sleep(max(0.0, min(INTERVAL, deadline - loop.time())))
