# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes upgrade's waits through an API outage, on a fake clock: a transient error is "not yet" (shown as
what was seen, in the timeout too), any other error ends the wait at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Clock, Deadline, WaitTimedOut
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade import kube_proxy, manifest_rollouts, waits
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import ObjRef
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError

NODE = '10.5.0.2'
UNAVAILABLE = KubeError('the server is currently unable to handle the request', status=503)
REFUSED = KubeError('cannot reach the Kubernetes API at https://10.5.0.2:6443 to list nodes: Connection refused')
FORBIDDEN = KubeError('the Kubernetes API refused to list nodes (403 Forbidden): no', status=403)


class FakeClock(Clock):
    def __init__(self) -> None:
        self.time = 100.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds


class FakeKube:
    """Each read answers from its own list: an exception is raised, anything else returned; the last one repeats."""

    def __init__(self, **answers: list[Any]) -> None:
        self.answers = answers
        self.calls: dict[str, int] = {}

    def _next(self, name: str) -> Any:
        self.calls[name] = self.calls.get(name, 0) + 1
        queue = self.answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def pods(self, namespace: str, label_selector: str = '') -> list[dict[str, Any]]:
        return self._next('pods')

    async def nodes(self) -> list[dict[str, Any]]:
        return self._next('nodes')

    async def daemonset(self, namespace: str, name: str) -> dict[str, Any]:
        return self._next('daemonset')

    async def set_container_image(self, namespace: str, name: str, container: str, image: str) -> dict[str, Any]:
        return {'metadata': {'generation': 2}}

    async def live_object(self, ref: ObjRef) -> dict[str, Any]:
        return self._next('live_object')


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def deadline(seconds: float = 10.0) -> Deadline:
    return Deadline(seconds, FakeClock())


def apiserver_pod(version: str, ready: bool) -> dict[str, Any]:
    return {'metadata': {'name': 'kube-apiserver-cp-1', 'annotations': {'talos.dev/config-version': version}},
            'status': {'hostIP': NODE, 'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'False'}]}}


def node(version: str) -> dict[str, Any]:
    return {'status': {'addresses': [{'address': NODE}], 'nodeInfo': {'kubeletVersion': version},
                       'conditions': [{'type': 'Ready', 'status': 'True'}]}}


ROLLED_OUT = {'metadata': {'generation': 2}, 'status': {'observedGeneration': 2, 'desiredNumberScheduled': 2,
                                                        'updatedNumberScheduled': 2, 'numberAvailable': 2}}


def test_mirror_pod_wait_rides_out_the_api_restarting():
    kube = FakeKube(pods=[[apiserver_pod('1', True)], UNAVAILABLE, REFUSED, UNAVAILABLE, [apiserver_pod('2', True)]])
    run(waits.wait_mirror_pod(kube, 'kube-apiserver', NODE, 2, deadline()))
    assert kube.calls['pods'] == 5


def test_node_wait_rides_out_the_api_restarting():
    kube = FakeKube(nodes=[REFUSED, UNAVAILABLE, [node('v1.34.2')]])
    run(waits.wait_node_version(kube, NODE, 'v1.34.2', deadline()))
    assert kube.calls['nodes'] == 3


def test_kube_proxy_rollout_wait_rides_out_the_api_restarting():
    kube = FakeKube(daemonset=[UNAVAILABLE, ROLLED_OUT])
    run(kube_proxy.roll_out(kube, 'registry.k8s.io/kube-proxy:v1.34.2', deadline()))
    assert kube.calls['daemonset'] == 2


def test_manifest_rollout_wait_rides_out_the_api_restarting():
    kube = FakeKube(live_object=[KubeError('etcdserver: request timed out', status=504), ROLLED_OUT])
    ref = ObjRef('kube-system', 'coredns', 'apps', 'DaemonSet')
    run(manifest_rollouts.wait_rolled_out(kube, [ref], deadline()))
    assert kube.calls['live_object'] == 2


def test_an_outage_past_the_deadline_times_out_showing_the_error():
    kube = FakeKube(pods=[UNAVAILABLE])
    with pytest.raises(WaitTimedOut) as raised:
        run(waits.wait_mirror_pod(kube, 'kube-apiserver', NODE, 2, deadline(5.0)))
    assert raised.value.message == (
        'timed out after 5s waiting for kube-apiserver pod of config version 2 to be Ready; last seen: '
        'the Kubernetes API answered 503: the server is currently unable to handle the request')


def test_an_unreachable_api_is_shown_as_the_client_words_it():
    kube = FakeKube(nodes=[REFUSED])
    with pytest.raises(WaitTimedOut) as raised:
        run(waits.wait_node_version(kube, NODE, 'v1.34.2', deadline(2.0)))
    assert raised.value.message.endswith('last seen: ' + REFUSED.message)


def test_a_refusal_ends_the_wait_at_once():
    kube = FakeKube(nodes=[FORBIDDEN, [node('v1.34.2')]])
    with pytest.raises(KubeError) as raised:
        run(waits.wait_node_version(kube, NODE, 'v1.34.2', deadline()))
    assert raised.value is FORBIDDEN and kube.calls['nodes'] == 1
