# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Component images: upgrade-k8s's default repositories (constants.go @ v1.14.0-rc.1), tags read as
pkg/kubernetes/version.go:VersionFromImageRef does, the kubelet's flavour kept (kubelet.go)."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import (COMPONENTS,
                                                                                     CONTROL_PLANE_COMPONENTS,
                                                                                     DEFAULT_REPOSITORIES,
                                                                                     image_tag, image_version,
                                                                                     target_image)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import (KubeVersion,
                                                                                           parse_kube_version)

DIGEST = 'sha256:' + 'ab' * 32


def test_components_and_their_default_repositories():
    assert CONTROL_PLANE_COMPONENTS == ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')
    assert COMPONENTS == CONTROL_PLANE_COMPONENTS + ('kube-proxy', 'kubelet')
    assert DEFAULT_REPOSITORIES == {
        'kube-apiserver': 'registry.k8s.io/kube-apiserver',
        'kube-controller-manager': 'registry.k8s.io/kube-controller-manager',
        'kube-scheduler': 'registry.k8s.io/kube-scheduler',
        'kube-proxy': 'registry.k8s.io/kube-proxy',
        'kubelet': 'ghcr.io/siderolabs/kubelet',
    }


@pytest.mark.parametrize('image, tag', [
    ('registry.k8s.io/kube-apiserver:v1.36.3', 'v1.36.3'),
    ('registry.k8s.io/kube-apiserver:v1.36.3@' + DIGEST, 'v1.36.3'),
    ('registry.k8s.io/kube-apiserver@' + DIGEST, ''),
    ('registry.k8s.io/kube-apiserver', ''),
    ('localhost:5000/kube-apiserver', ''),
    ('localhost:5000/k8s/kube-apiserver:v1.37.0-rc.0', 'v1.37.0-rc.0'),
    ('[fd00::1]:5000/kubelet:v1.36.3-fat', 'v1.36.3-fat'),
    ('kubelet:custom', 'custom'),
    ('', ''),
])
def test_image_tag(image, tag):
    assert image_tag(image) == tag


@pytest.mark.parametrize('image, text', [
    ('registry.k8s.io/kube-proxy:v1.36.3', '1.36.3'),
    ('registry.k8s.io/kube-proxy:1.36.3@' + DIGEST, '1.36.3'),
    ('ghcr.io/siderolabs/kubelet:v1.37.0-rc.0', '1.37.0-rc.0'),
    ('ghcr.io/siderolabs/kubelet:v1.36.3-fat', '1.36.3'),
    ('mirror.local:5000/kubelet:v1.37.0-rc.0-slim', '1.37.0-rc.0'),
])
def test_image_version(image, text):
    assert image_version(image) == parse_kube_version(text, 'test')


@pytest.mark.parametrize('image', ['registry.k8s.io/kube-proxy', 'registry.k8s.io/kube-proxy:latest',
                                   'localhost:5000/kube-proxy', 'registry.k8s.io/kube-proxy:v1.36',
                                   'registry.k8s.io/kube-proxy@' + DIGEST])
def test_image_version_is_none_without_a_version_tag(image):
    assert image_version(image) is None


@pytest.mark.parametrize('component', COMPONENTS)
def test_target_image_is_the_repository_at_the_target(component):
    target = KubeVersion(1, 37, 0, 'rc.0')
    assert target_image(component, DEFAULT_REPOSITORIES[component], target, None) == (
        DEFAULT_REPOSITORIES[component] + ':v1.37.0-rc.0')


@pytest.mark.parametrize('current, expected', [
    ('ghcr.io/siderolabs/kubelet:v1.36.3-fat', 'ghcr.io/siderolabs/kubelet:v1.37.1-fat'),
    ('ghcr.io/siderolabs/kubelet:v1.36.3-slim@' + DIGEST, 'ghcr.io/siderolabs/kubelet:v1.37.1-slim'),
    ('ghcr.io/siderolabs/kubelet:v1.36.3', 'ghcr.io/siderolabs/kubelet:v1.37.1'),
    ('mirror.local:5000/kubelet-fat', 'ghcr.io/siderolabs/kubelet:v1.37.1'),
    (None, 'ghcr.io/siderolabs/kubelet:v1.37.1'),
])
def test_the_kubelet_keeps_its_flavour(current, expected):
    assert target_image('kubelet', 'ghcr.io/siderolabs/kubelet', KubeVersion(1, 37, 1), current) == expected


def test_only_the_kubelet_has_flavours():
    assert target_image('kube-proxy', 'registry.k8s.io/kube-proxy', KubeVersion(1, 37, 1),
                        'registry.k8s.io/kube-proxy:v1.36.3-fat') == 'registry.k8s.io/kube-proxy:v1.37.1'
