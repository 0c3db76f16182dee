# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes component images talos-sim's registries serve: what ``talosctl upgrade-k8s`` pre-pulls.

Repositories are Talos's (pkg/machinery/constants/constants.go KubernetesAPIServerImage,
KubernetesControllerManagerImage, KubernetesSchedulerImage, KubeProxyImage, KubeletImage @ v1.14.0-rc.1); tags are
``v<Kubernetes version>``, the kubelet's optionally with the ``-fat`` or ``-slim`` flavor upgrade-k8s keeps
(pkg/cluster/kubernetes/kubelet.go:extractKubeletVersionSuffix @ v1.14.0-rc.1).

Which versions exist: every patch of each minor up to the newest one Talos's sources name (RELEASES). A tag that
is no Kubernetes release, or a newer patch than that, is "not found" at the registry, worded as containerd's
resolver words it (the same text as a missing installer, simulator.installer.resolve).
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple, Optional

from simulator import image_reference
from simulator.installer import ImageNotFound

KUBE_REPOSITORIES = ('registry.k8s.io/kube-apiserver', 'registry.k8s.io/kube-controller-manager',
                     'registry.k8s.io/kube-scheduler', 'registry.k8s.io/kube-proxy')
KUBELET_REPOSITORY = 'ghcr.io/siderolabs/kubelet'
KUBELET_FLAVORS = ('', '-fat', '-slim')

# Minor -> newest patch release, each as named in siderolabs/talos: constants.go DefaultKubernetesVersion at the
# last release of a Talos line (1.24.3 @ v1.1.2, 1.25.5 @ v1.2.9, 1.26.3 @ v1.3.7, 1.27.4 @ v1.4.8, 1.28.3 @ v1.5.6,
# 1.29.7 @ v1.6.8, 1.30.5 @ v1.7.7, 1.31.4 @ v1.8.4, 1.32.4 @ v1.9.6, 1.35.4 @ v1.12.11, 1.36.3 @ v1.13.9),
# .github/workflows/ci.yaml kubernetesVersion (1.33.7, 1.34.3 @ v1.14.0-rc.1). Later patches exist upstream; a
# registry of talos-sim does not have them.
RELEASES = {24: 3, 25: 5, 26: 3, 27: 4, 28: 3, 29: 7, 30: 5, 31: 4, 32: 4, 33: 7, 34: 3, 35: 4, 36: 3}
# Pre-releases published before their minor's first release: DefaultKubernetesVersion @ v1.14.0-rc.1.
PRERELEASES = frozenset({(37, 0, 'rc.0')})

_TAGGED = re.compile(r'^(?P<repository>[^@]+):(?P<tag>[^:/@]+)$')
_VERSION = re.compile(r'^v1\.(?P<minor>0|[1-9][0-9]*)\.(?P<patch>0|[1-9][0-9]*)(?:-(?P<pre>[0-9A-Za-z.]+))?$')


class KubeImage(NamedTuple):
    """One Kubernetes component image, as asked for (tagged)."""

    reference: str

    @property
    def repository(self) -> str:
        return image_reference.repository(self.reference)

    @property
    def digest(self) -> str:
        return image_reference.digest(self.reference)

    @property
    def pinned(self) -> str:
        return image_reference.pinned(self.reference)

    def layers(self) -> list[tuple[str, int]]:
        """(layer digest, size) of its layers, stable per reference."""
        seed = hashlib.sha256(b'kube:' + self.reference.encode()).digest()
        return [('sha256:' + hashlib.sha256(seed + bytes([index])).hexdigest(), 1 << (18 + index * 4))
                for index in range(3)]


def repository_of(reference: str) -> Optional[str]:
    """The Kubernetes repository a reference (tagged or pinned) names; None for any other image."""
    ref = reference.strip()
    match = _TAGGED.match(ref) or image_reference.PINNED.match(ref)
    repository = match.group('repository') if match else None
    return repository if repository in KUBE_REPOSITORIES + (KUBELET_REPOSITORY,) else None


def _released(tag: str) -> bool:
    match = _VERSION.match(tag)
    if match is None:
        return False
    minor, patch, pre = int(match.group('minor')), int(match.group('patch')), match.group('pre')
    if pre is not None:
        return (minor, patch, pre) in PRERELEASES
    return minor in RELEASES and patch <= RELEASES[minor]


def resolve(reference: str) -> KubeImage:
    """The image behind a tagged Kubernetes reference; ImageNotFound for a tag the registry does not have."""
    match = _TAGGED.match(reference.strip())
    tag = match.group('tag') if match else ''
    if match and match.group('repository') == KUBELET_REPOSITORY:
        flavors = [flavor for flavor in KUBELET_FLAVORS[1:] if tag.endswith(flavor)]
        tag = tag[:-len(flavors[0])] if flavors else tag
    if not _released(tag):
        raise ImageNotFound('failed to resolve reference "%s": %s: not found' % (reference, reference))
    return KubeImage(match.group(0))
