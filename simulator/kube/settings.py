# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Kubernetes cluster takes from machine configs: images, versions, scheduling on control planes,
node labels and taints.

Up to contract 1.13 the v1alpha1 document's ``cluster.apiServer/controllerManager/scheduler/proxy.image``,
``machine.kubelet.image``, ``cluster.allowSchedulingOnControlPlanes``, ``machine.nodeLabels`` and
``machine.nodeTaints``; from 1.14 the KubeAPIServerConfig, KubeControllerManagerConfig, KubeSchedulerConfig,
KubeProxyConfig, KubeletConfig and KubeNodeConfig documents may carry them instead
(``pkg/machinery/config/types/k8s/*.go @ v1.14.0-rc.1``). Without a KubeNodeConfig, a control plane is
labelled ``node-role.kubernetes.io/control-plane=""`` and, unless scheduling on control planes is allowed,
tainted with it (NoSchedule): ``pkg/machinery/config/types/v1alpha1/v1alpha1_k8s_bridge.go:k8sNodeConfigShim
@ v1.14.0-rc.1``, ``internal/app/machined/pkg/controllers/k8s/node_label_spec.go`` and ``node_taint_spec.go
@ v1.13.9``. Images default to Talos's (``pkg/machinery/constants/constants.go @ v1.13.9``) at
simulator.secrets.KUBERNETES_VERSION.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from simulator.per_machine import PerMachine
from simulator.secrets import KUBERNETES_VERSION

if TYPE_CHECKING:
    from simulator.machine import Machine

CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane'
# libyaml's safe loader when PyYAML was built with it: the same documents as yaml.safe_load_all, ten times
# faster, which a fleet of hundreds of machines feels when the cluster loop first reads every config.
_SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
IMAGES = {  # component -> (repository, config document kind, v1alpha1 path)
    'kube-apiserver': ('registry.k8s.io/kube-apiserver', 'KubeAPIServerConfig', ('cluster', 'apiServer')),
    'kube-controller-manager': ('registry.k8s.io/kube-controller-manager', 'KubeControllerManagerConfig',
                                ('cluster', 'controllerManager')),
    'kube-scheduler': ('registry.k8s.io/kube-scheduler', 'KubeSchedulerConfig', ('cluster', 'scheduler')),
    'kube-proxy': ('registry.k8s.io/kube-proxy', 'KubeProxyConfig', ('cluster', 'proxy')),
    'kubelet': ('ghcr.io/siderolabs/kubelet', 'KubeletConfig', ('machine', 'kubelet')),
}
FLANNEL_IMAGE = 'ghcr.io/siderolabs/flannel:v0.28.8'  # pkg/images/list.go, constants.FlannelVersion @ v1.13.9
COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.14.6'  # constants.CoreDNSImage, DefaultCoreDNSVersion @ v1.13.9


def image_tag(image: str) -> str:
    """The tag of ``repo[:port]/name:tag`` (digest dropped), '' when there is none."""
    name = image.split('@', 1)[0]
    last = name.rsplit('/', 1)[-1]
    return last.split(':', 1)[1] if ':' in last else ''


@dataclass(frozen=True)
class MachineKubeConfig:
    """One machine config's Kubernetes part."""

    controlplane: bool
    images: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)

    @property
    def kubernetes_version(self) -> str:
        return image_tag(self.images['kube-apiserver']) or KUBERNETES_VERSION

    @property
    def kubelet_version(self) -> str:
        return image_tag(self.images['kubelet']) or KUBERNETES_VERSION


def dig(doc: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        doc = doc.get(key) or {}
    return doc


def _parse_taint(key: str, text: str) -> tuple[str, str, str]:
    """labels.ParseTaint: ``value:effect`` or just ``effect``."""
    value, _, effect = text.rpartition(':')
    return key, value, effect


@functools.lru_cache(maxsize=32)
def config_documents(config_yaml: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the v1alpha1 document or {}, the other documents by kind) of a machine config (cached; not to be
    changed by callers)."""
    docs = [doc for doc in yaml.load_all(config_yaml, Loader=_SAFE_LOADER) if isinstance(doc, dict)]
    legacy = next((doc for doc in docs if 'kind' not in doc and doc.get('version') == 'v1alpha1'), {})
    return legacy, {doc['kind']: doc for doc in docs if 'kind' in doc}


@functools.lru_cache(maxsize=32)
def machine_kube_config(config_yaml: str) -> MachineKubeConfig:
    """The Kubernetes part of a machine config (cached: configs are read on every reconcile)."""
    legacy, kinds = config_documents(config_yaml)
    controlplane = (legacy.get('machine') or {}).get('type') in ('controlplane', 'init')
    images = {}
    for component, (repository, kind, path) in IMAGES.items():
        images[component] = ((kinds.get(kind) or {}).get('image') or dig(legacy, path).get('image')
                             or '%s:%s' % (repository, KUBERNETES_VERSION))
    node = kinds.get('KubeNodeConfig')
    if node is not None:
        labels = dict(node.get('labels') or {})
        taints = dict(node.get('taints') or {})
    else:
        machine = legacy.get('machine') or {}
        labels = dict(machine.get('nodeLabels') or {})
        taints = dict(machine.get('nodeTaints') or {})
        if controlplane:
            labels[CONTROL_PLANE_ROLE] = ''
            if not (legacy.get('cluster') or {}).get('allowSchedulingOnControlPlanes'):
                taints[CONTROL_PLANE_ROLE] = 'NoSchedule'
    return MachineKubeConfig(controlplane, images, {k: str(v) for k, v in labels.items()},
                             tuple(sorted(_parse_taint(k, str(v)) for k, v in taints.items())))


_PARSED: 'PerMachine[list]' = PerMachine('kube_config', lambda machine: [None, None])  # [config text, parsed]


def kube_config_of(machine: 'Machine') -> MachineKubeConfig:
    """The Kubernetes part of the machine's running config, parsed again only when that config changes.

    The cluster loop reads every machine's config several times a second; a fleet larger than
    machine_kube_config's cache would otherwise parse YAML for every machine on every tick.
    """
    text = machine.config_yaml or ''
    parsed = _PARSED.of(machine)
    if parsed[0] != text:
        parsed[:] = [text, machine_kube_config(text)]
    return parsed[1]
