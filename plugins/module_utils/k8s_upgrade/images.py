# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images of the Kubernetes components Talos runs, and the image each one gets for a target version.

The default repositories are upgrade-k8s's (cmd/talosctl/cmd/talos/upgrade-k8s.go flags, whose defaults are
pkg/machinery/constants/constants.go KubeletImage, KubeProxyImage, KubernetesAPIServerImage,
KubernetesControllerManagerImage, KubernetesSchedulerImage @ v1.14.0-rc.1). A tag is read as
pkg/kubernetes/version.go:VersionFromImageRef does (the digest ignored), and the kubelet keeps the flavour of its
current tag (pkg/cluster/kubernetes/kubelet.go:extractKubeletVersionSuffix @ v1.14.0-rc.1).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import (KubeVersion,
                                                                                           parse_kube_version)

CONTROL_PLANE_COMPONENTS = ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')
COMPONENTS = CONTROL_PLANE_COMPONENTS + ('kube-proxy', 'kubelet')

DEFAULT_REPOSITORIES = {
    'kube-apiserver': 'registry.k8s.io/kube-apiserver',
    'kube-controller-manager': 'registry.k8s.io/kube-controller-manager',
    'kube-scheduler': 'registry.k8s.io/kube-scheduler',
    'kube-proxy': 'registry.k8s.io/kube-proxy',
    'kubelet': 'ghcr.io/siderolabs/kubelet',
}

# The kubelet image flavours Talos publishes (ghcr.io/siderolabs/kubelet:v1.36.3-fat); not pre-releases.
KUBELET_FLAVOURS = ('-fat', '-slim')


def image_tag(image: str) -> str:
    """The tag of an image reference, '' when it has none (``registry:5000/name`` has a port, not a tag)."""
    name = image.split('@', 1)[0]
    colon = name.rfind(':')
    return name[colon + 1:] if colon > name.rfind('/') else ''


def _flavour(tag: str) -> str:
    return next((suffix for suffix in KUBELET_FLAVOURS if tag.endswith(suffix)), '')


def image_version(image: str) -> Optional[KubeVersion]:
    """The Kubernetes version an image's tag names (a kubelet flavour aside), None when it names none."""
    tag = image_tag(image)
    tag = tag[:len(tag) - len(_flavour(tag))]
    try:
        return parse_kube_version(tag, 'image tag')
    except TalosError:
        return None


def target_image(component: str, repository: str, target: KubeVersion, current_image: Optional[str]) -> str:
    """``<repository>:v<target>``; the kubelet keeps the flavour of its current image (``-fat``, ``-slim``)."""
    flavour = _flavour(image_tag(current_image or '')) if component == 'kubelet' else ''
    return '%s:v%s%s' % (repository, target, flavour)
