# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which pods a drain evicts, skips or refuses: kubectl's filters with talosctl's settings, emptyDir stricter."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from ansible_collections.talos.linux.plugins.module_utils.kube.pod_rules import Verdict, plan, verdict


def pod(name: str, *, namespace: str = 'default', owner: Optional[str] = 'ReplicaSet', phase: str = 'Running',
        emptydir: bool = False, mirror: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {'name': name, 'namespace': namespace, 'uid': 'uid-' + name}
    if owner:
        metadata['ownerReferences'] = [{'apiVersion': 'apps/v1', 'kind': owner, 'name': owner.lower() + '-1',
                                        'uid': 'owner', 'controller': True}]
    if mirror:
        metadata['annotations'] = {'kubernetes.io/config.mirror': 'a1b2'}
    volumes = [{'name': 'scratch', 'emptyDir': {}}] if emptydir else [{'name': 'cfg', 'configMap': {'name': 'c'}}]
    return {'metadata': metadata, 'spec': {'nodeName': 'worker-1', 'volumes': volumes}, 'status': {'phase': phase}}


def test_replicated_pods_are_evicted_without_remark():
    assert verdict(pod('web'), delete_emptydir_data=False) == Verdict('evict')


def test_daemonset_pods_are_skipped():
    assert verdict(pod('proxy', owner='DaemonSet'), False) == Verdict('skip', 'DaemonSet-managed')


def test_daemonset_pods_are_skipped_before_their_emptydir_counts():
    assert verdict(pod('proxy', owner='DaemonSet', emptydir=True), False).action == 'skip'


def test_pod_of_a_deleted_daemonset_is_evicted_as_unmanaged():
    decided = verdict(pod('proxy', owner='DaemonSet'), False, missing_daemonsets=[('default', 'daemonset-1')])
    assert decided == Verdict('evict', 'its DaemonSet default/daemonset-1 no longer exists', unmanaged=True)


def test_mirror_pods_are_skipped_even_without_an_owner():
    assert verdict(pod('kube-apiserver-cp-1', owner=None, mirror=True), False) == \
        Verdict('skip', 'mirror pod (a static pod of the kubelet)')


def test_emptydir_pods_are_refused_unless_allowed():
    assert verdict(pod('cache', emptydir=True), False).action == 'refuse'
    assert verdict(pod('cache', emptydir=True), True) == Verdict('evict')


def test_pods_without_controller_are_evicted_and_marked_unmanaged():
    assert verdict(pod('debug', owner=None), False) == Verdict('evict', 'declares no controller', unmanaged=True)


@pytest.mark.parametrize('phase', ['Succeeded', 'Failed'])
def test_finished_pods_pass_every_filter(phase):
    assert verdict(pod('job', owner=None, emptydir=True, phase=phase), False) == Verdict('evict')
    assert verdict(pod('ds', owner='DaemonSet', phase=phase), False) == Verdict('evict')


def test_plan_sorts_pods_by_verdict_and_names_them_like_kubectl():
    pods = [pod('web-2'), pod('proxy', namespace='kube-system', owner='DaemonSet'), pod('debug', owner=None),
            pod('kube-apiserver-cp-1', namespace='kube-system', owner=None, mirror=True), pod('web-1')]
    result = plan(pods, delete_emptydir_data=False)
    assert [p['metadata']['name'] for p in result.evict] == ['debug', 'web-1', 'web-2']
    assert result.unmanaged == ['default/debug']
    assert result.skipped == [
        {'pod': 'kube-system/kube-apiserver-cp-1', 'reason': 'mirror pod (a static pod of the kubelet)'},
        {'pod': 'kube-system/proxy', 'reason': 'DaemonSet-managed'}]
    assert result.refused == [] and result.refusal is None


def test_refusal_names_every_emptydir_pod_in_kubectls_words():
    result = plan([pod('cache-b', emptydir=True), pod('web'), pod('cache-a', emptydir=True)], False)
    assert result.refusal == ('cannot delete Pods with local storage (use delete_emptydir_data to override): '
                              'default/cache-a, default/cache-b')
