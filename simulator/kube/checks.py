# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes side of Talos's cluster health checks, against the cluster's store, with Talos's texts.

``pkg/cluster/check/kubernetes.go @ v1.13.9``: K8sAllNodesReportedAssertion (with
``pkg/cluster/cluster.go:NodesMatch``), K8sFullControlPlaneAssertion, K8sAllNodesReadyAssertion,
K8sAllNodesSchedulableAssertion, K8sPodReadyAssertion, DaemonSetPresent and DeploymentPresent; the lists are
the ones the Go client would get (``nodes``, ``pods``/``daemonsets``/``deployments`` of kube-system with a
label selector). Each raises AssertionError with Talos's error text.
"""

from __future__ import annotations

from typing import Any, Optional

from simulator.kube import pods as podlib
from simulator.kube.settings import CONTROL_PLANE_ROLE
from simulator.kube.api_types import Obj
from simulator.kube.store import Store

CONTROL_PLANE_APPS = ('kube-apiserver', 'kube-scheduler', 'kube-controller-manager')


def _ips(node: Obj) -> list[str]:
    return [a['address'] for a in (node.get('status') or {}).get('addresses') or []
            if a.get('type') in ('InternalIP', 'ExternalIP')]


def _quoted(items: list[str]) -> str:
    """Go's %q of a slice of strings."""
    return '[%s]' % ' '.join('"%s"' % item for item in items)


def nodes_match(expected: list[str], actual: list[list[str]]) -> None:
    """cluster.NodesMatch: each expected node (by IP) matches one Node; none is left over."""
    remaining = list(actual)
    for address in expected:
        found = next((ips for ips in remaining if address in ips), None)
        if found is None:
            raise AssertionError("can't find expected node with IPs %s" % _quoted([address]))
        remaining.remove(found)
    if remaining:
        raise AssertionError('unexpected nodes with IPs %s' % _quoted(sorted(ip for ips in remaining for ip in ips)))


def all_nodes_reported(store: Store, expected: list[str]) -> None:
    nodes, _rv = store.list('nodes')
    nodes_match(expected, [_ips(node) for node in nodes])


def full_control_plane(store: Store, controlplanes: list[str]) -> None:
    nodes, _rv = store.list('nodes')
    actual = [_ips(n) for n in nodes if CONTROL_PLANE_ROLE in (n['metadata'].get('labels') or {})]
    nodes_match(controlplanes, actual)
    for app in CONTROL_PLANE_APPS:
        pods, _rv = store.list('pods', 'kube-system', label_selector='k8s-app = %s' % app)
        if len(pods) != len(actual):
            raise AssertionError('expected number of pods for %s to be %d, got %d' % (app, len(actual), len(pods)))
        not_ready = [p['metadata']['name'] for p in pods
                     if (podlib.condition(p, 'Ready') or {'status': 'True'})['status'] != 'True']
        if not_ready:
            raise AssertionError('some pods are not ready for %s: [%s]' % (app, ' '.join(not_ready)))


def all_nodes_ready(store: Store) -> None:
    nodes, _rv = store.list('nodes')
    not_ready = [n['metadata']['name'] for n in nodes
                 if any(c.get('type') == 'Ready' and c.get('status') != 'True'
                        for c in (n.get('status') or {}).get('conditions') or [])]
    if not_ready:
        raise AssertionError('some nodes are not ready: [%s]' % ' '.join(not_ready))


def all_nodes_schedulable(store: Store) -> None:
    nodes, _rv = store.list('nodes')
    cordoned = [n['metadata']['name'] for n in nodes if (n.get('spec') or {}).get('unschedulable')]
    if cordoned:
        raise AssertionError('some nodes are not schedulable: [%s]' % cordoned[0])  # Talos stops at the first


def daemonset_replicas(store: Store, selector: str) -> Optional[int]:
    """DaemonSetPresent: desiredNumberScheduled of the first match, None when there is none."""
    found, _rv = store.list('daemonsets', 'kube-system', label_selector=selector)
    return (found[0].get('status') or {}).get('desiredNumberScheduled', 0) if found else None


def deployment_replicas(store: Store, selector: str) -> Optional[int]:
    """DeploymentPresent: spec.replicas of the first match, None when there is none."""
    found, _rv = store.list('deployments', 'kube-system', label_selector=selector)
    return (found[0].get('spec') or {}).get('replicas', 0) if found else None


def _terminated(pod: Obj) -> bool:
    return all('terminated' in (c.get('state') or {}) for c in (pod.get('status') or {}).get('containerStatuses') or [])


def pods_ready(store: Store, replicas: int, namespace: str, selector: str) -> None:
    """K8sPodReadyAssertion."""
    pods, _rv = store.list('pods', namespace, label_selector=selector)
    if not pods:
        raise AssertionError('no pods found for namespace "%s" and label selector "%s"' % (namespace, selector))
    ready: list[Any] = []
    not_ready: list[Any] = []
    for pod in pods:
        if pod['metadata'].get('deletionTimestamp') or (pod.get('status') or {}).get('phase') == 'Failed':
            continue
        if _terminated(pod):
            continue
        (ready if podlib.is_ready(pod) else not_ready).append(pod['metadata']['name'])
    if not ready:
        raise AssertionError('no ready pods found for namespace "%s" and label selector "%s"' % (namespace, selector))
    if not_ready:
        raise AssertionError('some pods are not ready: [%s]' % ' '.join(not_ready))
    if len(ready) != replicas:
        raise AssertionError('expected %d ready pods, got %d' % (replicas, len(ready)))
