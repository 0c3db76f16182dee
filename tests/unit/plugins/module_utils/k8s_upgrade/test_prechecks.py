# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a minor upgrade removes (go-kubernetes kubernetes/upgrade/checks.go @ 0caf1f2), found in the generator's
machine configurations (golden vectors, 1.13 and 1.14 contracts) with arguments added the ways users write them."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.prechecks import (REMOVED, Finding,
                                                                                        config_findings,
                                                                                        removed_api_resources)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import parse_kube_version
from ansible_collections.talos.linux.tests.unit import vectors


def version(text: str):
    return parse_kube_version(text, 'test')


def generated(contract: str, machine: str) -> list:
    with open(vectors.path('generate/expected/%s/base-%s.yaml' % (contract, machine)), encoding='utf-8') as f:
        return list(yaml.safe_load_all(f))


def kind(documents: list, name: str) -> dict:
    return next(document for document in documents if document.get('kind') == name)


def text(documents: list) -> str:
    return yaml.safe_dump_all(documents)


def findings(current: str, target: str, configs: dict) -> list:
    return config_findings(version(current), version(target), {node: text(docs) for node, docs in configs.items()})


def test_every_path_of_the_table_is_one_minor_up():
    for path in REMOVED:
        current, target = path.split('->')
        assert version(target + '.0').minor == version(current + '.0').minor + 1


@pytest.mark.parametrize('current, target, resources', [
    ('1.36.3', '1.37.0', ['workloads.v1alpha2.scheduling.k8s.io', 'podgroups.v1alpha2.scheduling.k8s.io']),
    ('1.24.0', '1.25.1', ['podsecuritypolicies.v1beta1.policy']),
    ('1.28.4', '1.29.0-rc.1', ['clustercidrs.v1alpha1.networking.k8s.io']),
    ('1.31.0', '1.32.0', ['podschedulingcontexts.v1alpha3.resource.k8s.io']),
    ('1.37.0', '1.37.2', []), ('1.35.0', '1.36.0', []), ('1.37.0', '1.38.0', []),
])
def test_removed_api_resources(current, target, resources):
    assert removed_api_resources(version(current), version(target)) == resources


def test_kubelet_flags_in_v1alpha1_and_in_the_kubelet_document():
    legacy = generated('v1.13', 'worker')
    legacy[0]['machine']['kubelet']['extraArgs'] = {'containerd': '/run/containerd.sock', 'v': 2}
    typed = generated('v1.14', 'controlplane')
    kind(typed, 'KubeletConfig')['extraArgs'] = {'boot-id-file': ['/a', '/b'], 'machine-id-file': '/etc/machine-id'}
    assert findings('1.36.3', '1.37.0', {'w-1': legacy, 'cp-1': typed}) == [
        Finding('w-1', 'kubelet', 'flag', 'containerd'),
        Finding('cp-1', 'kubelet', 'flag', 'boot-id-file'),
        Finding('cp-1', 'kubelet', 'flag', 'machine-id-file'),
    ]


def test_feature_gates_of_the_control_plane_components():
    legacy = generated('v1.13', 'controlplane')
    legacy[0]['cluster']['apiServer']['extraArgs'] = {'feature-gates': 'HonorPVReclaimPolicy=true, Other=false'}
    legacy[0]['cluster']['controllerManager']['extraArgs'] = {'feature-gates': 'CSIMigrationPortworx=false'}
    # Upstream looks at the control-plane components' gates only (checks.go PopulateRemovedFeatureGates).
    legacy[0]['machine']['kubelet']['extraArgs'] = {'feature-gates': 'HonorPVReclaimPolicy=true'}
    typed = generated('v1.14', 'controlplane')
    kind(typed, 'KubeSchedulerConfig')['extraArgs'] = {
        'feature-gates': ['WatchFromStorageWithoutResourceVersion=false', 'InTreePluginPortworxUnregister=true']}
    assert findings('v1.35.4', 'v1.36.0', {'cp-1': legacy, 'cp-2': typed}) == [
        Finding('cp-1', 'kube-apiserver', 'feature-gate', 'HonorPVReclaimPolicy'),
        Finding('cp-1', 'kube-controller-manager', 'feature-gate', 'CSIMigrationPortworx'),
        Finding('cp-2', 'kube-scheduler', 'feature-gate', 'InTreePluginPortworxUnregister'),
        Finding('cp-2', 'kube-scheduler', 'feature-gate', 'WatchFromStorageWithoutResourceVersion'),
    ]


def test_admission_plugins_enabled_or_configured():
    enabled = generated('v1.13', 'controlplane')
    enabled[0]['cluster']['apiServer']['extraArgs'] = {
        'enable-admission-plugins': 'NodeRestriction,SecurityContextDeny'}
    configured = generated('v1.13', 'controlplane')
    configured[0]['cluster']['apiServer']['admissionControl'].append(
        {'name': 'SecurityContextDeny', 'configuration': {}})
    typed = generated('v1.14', 'controlplane')
    typed.append({'apiVersion': 'v1alpha1', 'kind': 'KubeAdmissionControlConfig', 'name': 'SecurityContextDeny',
                  'configuration': {}})
    assert findings('1.29.0', '1.30.0', {'cp-1': enabled, 'cp-2': configured, 'cp-3': typed}) == [
        Finding(node, 'kube-apiserver', 'admission-plugin', 'SecurityContextDeny') for node in ('cp-1', 'cp-2', 'cp-3')]


def test_flags_of_every_component_with_or_without_dashes():
    legacy = generated('v1.13', 'controlplane')
    legacy[0]['cluster']['apiServer']['extraArgs'] = {'--service-account-api-audiences': 'x',
                                                      'enable-admission-plugins': 'PodSecurityPolicy'}
    legacy[0]['cluster']['controllerManager']['extraArgs'] = {'register-retry-count': '3', 'deleting-pods-qps': '1'}
    legacy[0]['cluster']['apiServer']['extraArgs']['feature-gates'] = 'SelectorIndex=true'
    assert findings('1.24.17', '1.25.0', {'cp-1': legacy}) == [
        Finding('cp-1', 'kube-apiserver', 'admission-plugin', 'PodSecurityPolicy'),
        Finding('cp-1', 'kube-apiserver', 'feature-gate', 'SelectorIndex'),
        Finding('cp-1', 'kube-apiserver', 'flag', 'service-account-api-audiences'),
        Finding('cp-1', 'kube-controller-manager', 'flag', 'deleting-pods-qps'),
        Finding('cp-1', 'kube-controller-manager', 'flag', 'register-retry-count'),
    ]


@pytest.mark.parametrize('current, target', [('1.36.3', '1.36.5'), ('1.35.0', '1.35.0'), ('1.37.0', '1.38.0')])
def test_paths_without_an_entry_find_nothing(current, target):
    legacy = generated('v1.13', 'worker')
    legacy[0]['machine']['kubelet']['extraArgs'] = {'containerd': '/run/containerd.sock'}
    assert findings(current, target, {'w-1': legacy}) == []


@pytest.mark.parametrize('contract', ['v1.12', 'v1.13', 'v1.14', 'v1.15'])
@pytest.mark.parametrize('machine', ['controlplane', 'worker'])
def test_generated_configs_use_nothing_removed(contract, machine):
    documents = generated(contract, machine)
    for path in REMOVED:
        current, target = path.split('->')
        assert findings(current + '.0', target + '.0', {'n': documents}) == []


def test_a_config_that_is_not_yaml_names_the_node():
    with pytest.raises(TalosError) as caught:
        config_findings(version('1.36.0'), version('1.37.0'), {'w-2': 'machine: [\n'})
    assert caught.value.node == 'w-2'
    assert caught.value.message.startswith('machine configuration: invalid YAML')
