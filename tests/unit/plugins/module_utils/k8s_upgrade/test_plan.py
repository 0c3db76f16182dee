# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a Kubernetes upgrade: upgrade-k8s's order (upgrade.go:Upgrade, kubelet.go:upgradeKubelet @
v1.14.0-rc.1), steps on the target skipped, the kubelet step limited to some nodes, the kubelet's flavour kept;
and the pure parts of discovery (detect.go:DetectLowestVersion, kubernetes.go:NodeIPs) and of the rollout check."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.discover import (ClusterNode, cluster_nodes,
                                                                                       lowest_version, select_nodes)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.image_prepull import pulls
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import DEFAULT_REPOSITORIES
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_api import group_version_resource
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.kube_proxy import rollout_state
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import Running, Step, build_plan, plan_diff
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.repositories import repositories_of
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import parse_kube_version

CPS = ['10.5.0.2', '10.5.0.3']
WORKERS = ['10.5.0.4']
TARGET = parse_kube_version('1.36.3', 'to_version')


def image(component: str, version: str, flavour: str = '') -> str:
    return '%s:v%s%s' % (DEFAULT_REPOSITORIES[component], version, flavour)


def running_at(version: str, kubelet_flavour: str = '') -> Running:
    running = Running(list(CPS), list(WORKERS), daemonset_image=image('kube-proxy', version))
    for node in CPS:
        for component in ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'):
            running.images[(component, node)] = image(component, version)
    for node in CPS + WORKERS:
        running.images[('kubelet', node)] = image('kubelet', version, kubelet_flavour)
    return running


def where(plan: list[Step]) -> list[tuple[str, str]]:
    return [(step.component, step.node) for step in plan]


def test_plan_follows_upgrade_k8s_order():
    plan = build_plan(running_at('1.35.2'), TARGET, DEFAULT_REPOSITORIES, None)
    assert where(plan) == [
        ('kube-apiserver', CPS[0]), ('kube-apiserver', CPS[1]),
        ('kube-controller-manager', CPS[0]), ('kube-controller-manager', CPS[1]),
        ('kube-scheduler', CPS[0]), ('kube-scheduler', CPS[1]),
        ('kube-proxy', CPS[0]), ('kube-proxy', CPS[1]), ('kube-proxy', None),
        ('kubelet', CPS[0]), ('kubelet', CPS[1]), ('kubelet', WORKERS[0]),
    ]
    assert plan[0].as_dict() == {'component': 'kube-apiserver', 'node': CPS[0],
                                 'from_image': 'registry.k8s.io/kube-apiserver:v1.35.2',
                                 'to_image': 'registry.k8s.io/kube-apiserver:v1.36.3'}
    assert plan[8].describe() == ('kube-proxy on DaemonSet kube-system/kube-proxy '
                                  '(registry.k8s.io/kube-proxy:v1.35.2 -> registry.k8s.io/kube-proxy:v1.36.3)')


def test_steps_on_the_target_are_skipped_so_a_finished_cluster_has_an_empty_plan():
    assert build_plan(running_at('1.36.3'), TARGET, DEFAULT_REPOSITORIES, None) == []
    half = running_at('1.35.2')
    for component in ('kube-apiserver', 'kube-controller-manager'):
        for node in CPS:
            half.images[(component, node)] = image(component, '1.36.3')
    half.images[('kube-scheduler', CPS[0])] = image('kube-scheduler', '1.36.3')
    assert where(build_plan(half, TARGET, DEFAULT_REPOSITORIES, None))[:2] == [
        ('kube-scheduler', CPS[1]), ('kube-proxy', CPS[0])]


def test_kubelet_step_limited_to_the_nodes_given_or_none():
    plan = build_plan(running_at('1.35.2'), TARGET, DEFAULT_REPOSITORIES, [WORKERS[0]])
    assert [step.node for step in plan if step.component == 'kubelet'] == [WORKERS[0]]
    plan = build_plan(running_at('1.35.2'), TARGET, DEFAULT_REPOSITORIES, [])
    assert not [step for step in plan if step.component == 'kubelet']
    assert len(plan) == 9


def test_kubelet_keeps_its_flavour_and_repositories_are_taken_from_the_option():
    repositories = repositories_of({'kubelet': 'mirror.example.com/kubelet'})
    plan = build_plan(running_at('1.35.2', '-fat'), TARGET, repositories, None)
    assert {step.to_image for step in plan if step.component == 'kubelet'} == {
        'mirror.example.com/kubelet:v1.36.3-fat'}
    with pytest.raises(TalosError, match='option repositories: unknown component kube-dns'):
        repositories_of({'kube-dns': 'x'})


def test_no_daemonset_no_daemonset_step_and_an_unknown_image_is_planned_from_nothing():
    running = running_at('1.35.2')
    running.daemonset_image = None
    del running.images[('kube-proxy', CPS[1])]
    plan = build_plan(running, TARGET, DEFAULT_REPOSITORIES, [])
    assert [(s.node, s.from_image) for s in plan if s.component == 'kube-proxy'] == [
        (CPS[0], image('kube-proxy', '1.35.2')), (CPS[1], '')]


def test_pulls_are_the_control_plane_and_kubelet_images_once_each():
    plan = build_plan(running_at('1.35.2'), TARGET, DEFAULT_REPOSITORIES, None)
    wanted = pulls(plan)
    assert (CPS[0], 'cri', image('kube-apiserver', '1.36.3')) in wanted
    assert (WORKERS[0], 'system', image('kubelet', '1.36.3')) in wanted
    assert not [entry for entry in wanted if 'kube-proxy' in entry[2]]
    assert len(wanted) == len(set(wanted)) == 3 * 2 + 3


def node(name: str, address: str, controlplane: bool, kind: str = 'InternalIP') -> dict:
    labels = {'node-role.kubernetes.io/control-plane': ''} if controlplane else {}
    return {'metadata': {'name': name, 'labels': labels},
            'status': {'addresses': [{'type': 'Hostname', 'address': name}, {'type': kind, 'address': address}]}}


def test_nodes_as_upgrade_k8s_finds_them_and_the_nodes_option():
    nodes = cluster_nodes([node('cp-1', '10.5.0.2', True), node('w-1', '10.5.0.4', False, 'ExternalIP'),
                           {'metadata': {'name': 'ghost'}, 'status': {}}])
    assert nodes == [ClusterNode('cp-1', '10.5.0.2', True), ClusterNode('w-1', '10.5.0.4', False)]
    assert select_nodes(nodes, None) is None
    assert select_nodes(nodes, ['w-1', '10.5.0.2', 'cp-1']) == ['10.5.0.4', '10.5.0.2']
    with pytest.raises(TalosError, match=r'option nodes: w-9 is not a node of the cluster \(its Nodes: cp-1'):
        select_nodes(nodes, ['w-9'])


def pod(app: str, image_ref: str, container: str = '') -> dict:
    return {'metadata': {'labels': {'k8s-app': app}},
            'spec': {'containers': [{'name': container or app, 'image': image_ref}]}}


def test_lowest_version_among_control_plane_and_kube_proxy_pods():
    pods = [pod('kube-apiserver', image('kube-apiserver', '1.35.2')),
            pod('kube-proxy', image('kube-proxy', '1.35.0')),
            pod('coredns', 'registry.k8s.io/coredns/coredns:v1.0.0'),
            pod('kube-scheduler', 'registry.k8s.io/kube-scheduler:latest'),
            pod('kube-controller-manager', image('kube-controller-manager', '1.34.0'), 'sidecar')]
    assert str(lowest_version(pods)) == '1.35.0'
    assert lowest_version([pods[2]]) is None


def test_rollout_state_as_kubectl_reads_a_daemonset():
    status = {'observedGeneration': 2, 'desiredNumberScheduled': 5, 'updatedNumberScheduled': 5,
              'numberAvailable': 5}
    assert rollout_state({'status': status}, 2).met
    assert not rollout_state({'status': status}, 3).met
    assert not rollout_state({'status': dict(status, numberAvailable=4)}, 2).met
    assert rollout_state({'status': dict(status, updatedNumberScheduled=3)}, 2).seen == \
        '3 of 5 pods updated, 5 available'


def test_removed_resources_are_read_as_resource_version_group():
    assert group_version_resource('flowschemas.v1beta3.flowcontrol.apiserver.k8s.io') == (
        'flowcontrol.apiserver.k8s.io', 'v1beta3', 'flowschemas')
    with pytest.raises(TalosError, match='expected resource.version.group'):
        group_version_resource('pods.v1')


def test_diff_shows_each_machine_config_and_the_daemonset_with_their_image_fields_only():
    plan = [step.as_dict() for step in build_plan(running_at('1.35.2'), TARGET, DEFAULT_REPOSITORIES, [WORKERS[0]])]
    diff = plan_diff(plan)
    assert [entry['before_header'] for entry in diff] == [
        'node 10.5.0.2 machine configuration', 'node 10.5.0.3 machine configuration',
        'DaemonSet kube-system/kube-proxy', 'node 10.5.0.4 machine configuration']
    assert diff[0]['before'] == ''.join('%s image: %s\n' % (component, image(component, '1.35.2')) for component in
                                        ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'))
    assert diff[0]['after'] == diff[0]['before'].replace('v1.35.2', 'v1.36.3')
    assert diff[2] == {'before_header': 'DaemonSet kube-system/kube-proxy',
                       'after_header': 'DaemonSet kube-system/kube-proxy',
                       'before': 'kube-proxy image: registry.k8s.io/kube-proxy:v1.35.2\n',
                       'after': 'kube-proxy image: registry.k8s.io/kube-proxy:v1.36.3\n'}
    assert diff[3]['after'] == 'kubelet image: ghcr.io/siderolabs/kubelet:v1.36.3\n'
    assert plan_diff([]) == []
