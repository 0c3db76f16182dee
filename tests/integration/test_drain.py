# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's drain code against a real Kubernetes API: talos-sim's API server over HTTPS, the official client.

Each test fills the server's store with nodes, pods (with their owners) and PodDisruptionBudgets, runs
the drain functions as a module runs them (its own event loop, the client in worker threads) and then
looks at the server's store, and once through kubectl, a client nobody here wrote.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import threading
import time
from typing import Any, Awaitable, Callable, TypeVar

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient, KubeError
from ansible_collections.talos.linux.plugins.module_utils.kube.drain import DrainError, drain, uncordon_when_ready
from ansible_collections.talos.linux.plugins.module_utils.kube.node import uncordon
from ansible_collections.talos.linux.tests.integration.kube_api import KubeApi, budget, daemonset, node, pod

pytest.importorskip('kubernetes')
T = TypeVar('T')
KUBECTL = shutil.which('kubectl')
WEB = {'app': 'web'}
REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."


@pytest.fixture
def api():
    """Two Ready workers; on worker-1 a replicated pod, a DaemonSet pod, a mirror pod and a pod nobody owns."""
    with KubeApi() as server:
        server.create('nodes', node('worker-1'), node('worker-2'))
        server.create('daemonsets', daemonset('kube-proxy', 'kube-system'))
        server.create('pods',
                      pod('web-1', 'worker-1', owner=('ReplicaSet', 'web-5d9c'), labels=WEB),
                      pod('web-2', 'worker-2', owner=('ReplicaSet', 'web-5d9c'), labels=WEB),
                      pod('kube-proxy-a', 'worker-1', namespace='kube-system', owner=('DaemonSet', 'kube-proxy')),
                      pod('static-web-worker-1', 'worker-1', namespace='kube-system', mirror=True,
                          owner=('Node', 'worker-1')),
                      pod('debug', 'worker-1'))
        yield server


def with_kube(api: KubeApi, work: Callable[[KubeClient], Awaitable[T]], **kubeconfig: Any) -> T:
    async def run() -> T:
        async with KubeClient(api.kubeconfig(**kubeconfig), 'for the tests') as kube:
            return await work(kube)
    return asyncio.run(run())


def unschedulable(api: KubeApi, name: str) -> bool:
    return bool(api.get('nodes', None, name)['spec'].get('unschedulable'))


def later(seconds: float, change: Callable[[], Any]) -> threading.Timer:
    timer = threading.Timer(seconds, change)
    timer.start()
    return timer


def test_drain_cordons_evicts_what_kubectl_would_and_reports_it(api):
    report = with_kube(api, lambda kube: drain(kube, 'worker-1', timeout=30))
    assert report.cordoned and not report.already_cordoned and unschedulable(api, 'worker-1')
    assert report.evicted == ['default/debug', 'default/web-1'] and report.unmanaged == ['default/debug']
    assert report.skipped == [{'pod': 'kube-system/kube-proxy-a', 'reason': 'DaemonSet-managed'},
                              {'pod': 'kube-system/static-web-worker-1',
                               'reason': 'mirror pod (a static pod of the kubelet)'}]
    assert api.names('pods') == ['default/web-2', 'kube-system/kube-proxy-a', 'kube-system/static-web-worker-1']
    assert not unschedulable(api, 'worker-2')


def test_check_mode_lists_the_evictions_and_changes_nothing(api):
    report = with_kube(api, lambda kube: drain(kube, 'worker-1', check_mode=True))
    assert report.evicted == ['default/debug', 'default/web-1'] and len(report.skipped) == 2
    assert not report.cordoned and not unschedulable(api, 'worker-1') and len(api.names('pods')) == 5


def test_a_budget_refusing_is_retried_every_5s_until_it_allows(api):
    api.create('poddisruptionbudgets', budget('web', WEB, min_available=2))
    assert api.get('poddisruptionbudgets', 'default', 'web')['status']['disruptionsAllowed'] == 0
    relax = later(1.0, lambda: api.in_loop(lambda: api.store.patch(
        'poddisruptionbudgets', 'default', 'web', {'spec': {'minAvailable': 1}}, 'application/merge-patch+json')))
    started = time.monotonic()
    try:
        report = with_kube(api, lambda kube: drain(kube, 'worker-1', timeout=30))
    finally:
        relax.join()
    assert 5.0 <= time.monotonic() - started < 10.0, 'one refusal, then the retry 5 s later'
    assert report.evicted == ['default/debug', 'default/web-1'] and 'default/web-1' not in api.names('pods')
    assert not api.recorder.violations(), 'the drain never broke the budget'


def test_a_budget_that_never_allows_fails_naming_the_pod_and_why_and_the_node_stays_cordoned(api):
    api.create('poddisruptionbudgets', budget('web', WEB, min_available=2))
    started = time.monotonic()
    with pytest.raises(DrainError) as failed:
        with_kube(api, lambda kube: drain(kube, 'worker-1', timeout=6))
    assert 6.0 <= time.monotonic() - started < 9.0
    message = failed.value.message
    assert message.startswith('Kubernetes node worker-1 could not be drained within 6s and stays cordoned')
    assert 'default/web-1 (%s The disruption budget web needs 2 healthy pods and has 2 currently)' % REFUSED \
        in message
    assert 'default/debug' not in message, 'the pod without budget was evicted'
    drained = failed.value.result['drain']
    assert drained['cordoned'] and drained['evicted'] == ['default/debug'] and unschedulable(api, 'worker-1')
    assert 'default/web-1' in api.names('pods')


def test_emptydir_pods_stop_the_drain_before_anything_changes(api):
    api.create('pods', pod('cache-1', 'worker-1', owner=('ReplicaSet', 'cache-77f'), emptydir=True))
    with pytest.raises(DrainError) as failed:
        with_kube(api, lambda kube: drain(kube, 'worker-1'))
    assert failed.value.message == (
        'cannot drain Kubernetes node worker-1, left as it was: cannot delete Pods with local storage '
        '(use delete_emptydir_data to override): default/cache-1')
    assert not unschedulable(api, 'worker-1') and len(api.names('pods')) == 6
    report = with_kube(api, lambda kube: drain(kube, 'worker-1', delete_emptydir_data=True))
    assert 'default/cache-1' in report.evicted and 'default/cache-1' not in api.names('pods')


def test_finished_pods_are_evicted_whatever_their_volumes_or_owner(api):
    api.create('pods', pod('job-1', 'worker-1', phase='Succeeded', emptydir=True))
    report = with_kube(api, lambda kube: drain(kube, 'worker-1'))
    assert 'default/job-1' in report.evicted and 'default/job-1' not in report.unmanaged


def test_pod_of_a_deleted_daemonset_is_evicted(api):
    api.create('pods', pod('orphan', 'worker-1', owner=('DaemonSet', 'gone')))
    report = with_kube(api, lambda kube: drain(kube, 'worker-1'))
    assert 'default/orphan' in report.evicted and 'default/orphan' in report.unmanaged


def test_uncordon_waits_until_the_node_is_ready(api):
    async def drain_then_uncordon(kube: KubeClient) -> Any:
        report = await drain(kube, 'worker-1')
        api.in_loop(lambda: api.store.patch('nodes', None, 'worker-1', {'status': {'conditions': [
            {'type': 'Ready', 'status': 'False', 'reason': 'KubeletNotReady'}]}}, 'application/merge-patch+json',
            subresource='status'))
        ready = later(1.0, lambda: api.in_loop(lambda: api.store.patch('nodes', None, 'worker-1', {'status': {
            'conditions': [{'type': 'Ready', 'status': 'True', 'reason': 'KubeletReady'}]}},
            'application/merge-patch+json', subresource='status')))
        started = time.monotonic()
        await uncordon_when_ready(kube, report, Deadline(30))
        ready.join()
        return report, time.monotonic() - started
    report, waited = with_kube(api, drain_then_uncordon)
    assert waited >= 5.0, 'not Ready at the first look, Ready at the next one 5 s later'
    assert report.uncordoned and not report.cordoned and not unschedulable(api, 'worker-1')


def test_uncordon_is_asked_again_while_the_api_answers_503(api):
    with_kube(api, lambda kube: drain(kube, 'worker-1'))
    api.call(api.server.set_available, False)
    back = later(1.5, lambda: api.call(api.server.set_available, True))

    async def timed_uncordon(kube: KubeClient) -> float:
        started = time.monotonic()
        await uncordon(kube, 'worker-1', Deadline(30))
        return time.monotonic() - started
    waited = with_kube(api, timed_uncordon)
    back.join()
    assert waited >= 1.5 and not unschedulable(api, 'worker-1')
    assert 'ansible.talos.linux/cordoned' not in api.get('nodes', None, 'worker-1')['metadata'].get('annotations', {})


def test_uncordon_refused_for_good_is_not_asked_again(api):
    with_kube(api, lambda kube: drain(kube, 'worker-1'))
    started = time.monotonic()
    with pytest.raises(KubeError) as failed:
        with_kube(api, lambda kube: uncordon(kube, 'worker-1', Deadline(30)), user='viewer', groups=('viewers',))
    assert failed.value.status == 403 and time.monotonic() - started < 10
    assert unschedulable(api, 'worker-1')


def test_a_node_not_ready_in_time_stays_cordoned(api):
    async def drain_then_uncordon(kube: KubeClient) -> Any:
        report = await drain(kube, 'worker-1')
        api.in_loop(lambda: api.store.patch('nodes', None, 'worker-1', {'status': {'conditions': [
            {'type': 'Ready', 'status': 'False', 'reason': 'KubeletNotReady'}]}}, 'application/merge-patch+json',
            subresource='status'))
        await uncordon_when_ready(kube, report, Deadline(1))
    with pytest.raises(DrainError) as failed:
        with_kube(api, drain_then_uncordon)
    assert 'waiting for Kubernetes node worker-1 to be Ready; last seen: Ready=False (KubeletNotReady)' in \
        failed.value.message and failed.value.message.endswith('Kubernetes node worker-1 stays cordoned')
    assert unschedulable(api, 'worker-1')


def test_a_node_cordoned_before_is_left_cordoned(api):
    api.in_loop(lambda: api.store.patch('nodes', None, 'worker-1', {'spec': {'unschedulable': True}},
                                        'application/merge-patch+json'))

    async def drain_then_uncordon(kube: KubeClient) -> Any:
        report = await drain(kube, 'worker-1')
        await uncordon_when_ready(kube, report, Deadline(30))
        return report
    report = with_kube(api, drain_then_uncordon)
    assert report.already_cordoned and report.cordoned and not report.uncordoned
    assert report.note == 'left cordoned: it was cordoned before this task, not by this collection'
    assert unschedulable(api, 'worker-1')


def test_a_cordon_left_by_an_earlier_failed_drain_is_lifted_by_the_next_one(api):
    api.create('poddisruptionbudgets', budget('web', WEB, min_available=2))
    with pytest.raises(DrainError):
        with_kube(api, lambda kube: drain(kube, 'worker-1', timeout=0.5))
    marked = api.get('nodes', None, 'worker-1')['metadata']['annotations']
    assert marked == {'ansible.talos.linux/cordoned': 'true'} and unschedulable(api, 'worker-1')
    api.in_loop(lambda: api.store.delete('poddisruptionbudgets', 'default', 'web'))

    async def drain_then_uncordon(kube: KubeClient) -> Any:
        report = await drain(kube, 'worker-1')
        await uncordon_when_ready(kube, report, Deadline(30))
        return report
    report = with_kube(api, drain_then_uncordon)
    assert report.already_cordoned and report.uncordoned and report.evicted == ['default/web-1']
    assert not unschedulable(api, 'worker-1')
    assert not api.get('nodes', None, 'worker-1')['metadata'].get('annotations'), 'the mark went with the cordon'


def test_unknown_node_is_named(api):
    with pytest.raises(KubeError) as failed:
        with_kube(api, lambda kube: drain(kube, 'worker-9'))
    assert failed.value.status == 404
    assert failed.value.message == 'Kubernetes node "worker-9" not found at %s' % api.url


def test_a_user_without_rights_is_named(api):
    with pytest.raises(KubeError) as failed:
        with_kube(api, lambda kube: drain(kube, 'worker-1'), user='alice', groups=('developers',))
    assert failed.value.status == 403
    assert failed.value.message == (
        'the Kubernetes API at %s refused to get node worker-1 for kubeconfig user "alice@sim" (403 Forbidden): '
        'nodes "worker-1" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster '
        'scope' % api.url)


def test_credentials_the_api_does_not_accept_are_named(api):
    config = api.kubeconfig()
    for field in ('client-certificate-data', 'client-key-data'):
        del config['users'][0]['user'][field]

    async def run() -> None:
        async with KubeClient(config, 'for the tests') as kube:
            await drain(kube, 'worker-1')
    with pytest.raises(KubeError) as failed:
        asyncio.run(run())
    assert failed.value.status == 401 and failed.value.message == (
        'the Kubernetes API at %s did not accept the credentials of kubeconfig user "admin@sim" (401 Unauthorized): '
        'Unauthorized' % api.url)


def test_a_certificate_of_another_ca_cannot_reach_the_api(api):
    from simulator import pki  # pylint: disable=import-outside-toplevel
    with pytest.raises(KubeError) as failed:
        with_kube(api, lambda kube: drain(kube, 'worker-1'), ca=pki.generate_ca('other', algorithm='ecdsa'))
    assert failed.value.status is None and failed.value.message.startswith(
        'cannot reach the Kubernetes API at %s to get node worker-1: ' % api.url)


def test_an_api_that_is_down_is_named():
    with KubeApi() as down:
        config = down.kubeconfig()

    async def run() -> None:
        async with KubeClient(config, 'for the tests') as kube:
            await drain(kube, 'worker-1')
    with pytest.raises(KubeError) as failed:
        asyncio.run(run())
    assert failed.value.status is None and 'cannot reach the Kubernetes API at https://127.0.0.1:' in \
        failed.value.message


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is installed by make setup (scripts/debian-packages.txt)')
def test_kubectl_sees_the_drained_node_cordoned(api, tmp_path):
    with_kube(api, lambda kube: drain(kube, 'worker-1'))
    kubeconfig = tmp_path / 'kubeconfig'
    kubeconfig.write_text(json.dumps(api.kubeconfig()))
    env = dict(os.environ, HOME=str(tmp_path), KUBECONFIG=str(kubeconfig))
    shown = subprocess.run([KUBECTL, 'get', 'nodes', '--no-headers', '--cache-dir', str(tmp_path / 'cache')],
                           capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    statuses = {line.split()[0]: line.split()[1] for line in shown.splitlines()}
    assert statuses == {'worker-1': 'Ready,SchedulingDisabled', 'worker-2': 'Ready'}
