# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control-plane components' config resources a control plane renders from its machine config, and their
COSI versions.

Talos's transform controllers (``internal/app/machined/pkg/controllers/k8s/control_plane.go:
NewControlPlaneAPIServerController``, ``NewControlPlaneControllerManagerController``,
``NewControlPlaneSchedulerController @ v1.14.0-rc.1``) write, on control planes only, in namespace
``controlplane``: ``APIServerConfigs.kubernetes.talos.dev`` ``kube-apiserver``,
``ControllerManagerConfigs.kubernetes.talos.dev`` ``kube-controller-manager`` and
``SchedulerConfigs.kubernetes.talos.dev`` ``kube-scheduler`` (specs: ``pkg/machinery/resources/k8s/
apiserver_config.go``, ``controllermanager_config.go``, ``scheduler_config.go`` at v1.13.9 and v1.14.0-rc.1).
From 1.14 a second controller per component (``control_plane_final.go @ v1.14.0-rc.1``) copies each into
``final-<component>`` with the command line added; the static pods are rendered from the final one.
Rendered here: the image, cloud provider, endpoint, etcd servers, ports, CIDRs, extra args, environment and
resources of the config. Not emulated: extra volumes (always empty), the scheduler's KubeSchedulerConfiguration
(empty) and the final resources' ``args``.

COSI semantics: a resource is created at version 1 and its version grows by one on each write that changes
its spec. Reads of the resources and the kubelet's mirror pods (whose ``talos.dev/config-version``
annotation carries the version, ``internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/
apiserver.go:APIServerPod @ v1.14.0-rc.1``) share one version table per machine and boot, so they always
agree; state lives in memory, so a reboot starts again at 1. A final resource changes exactly when its input
does, so it carries the same version.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator import protoenc
from simulator.boot_versions import VersionTables
from simulator.kube.settings import config_documents, dig, machine_kube_config

if TYPE_CHECKING:
    from simulator.machine import Machine

NAMESPACE = 'controlplane'
APISERVER_TYPE = 'APIServerConfigs.kubernetes.talos.dev'
CONTROLLER_MANAGER_TYPE = 'ControllerManagerConfigs.kubernetes.talos.dev'
SCHEDULER_TYPE = 'SchedulerConfigs.kubernetes.talos.dev'
TYPES = {'kube-apiserver': APISERVER_TYPE, 'kube-controller-manager': CONTROLLER_MANAGER_TYPE,
         'kube-scheduler': SCHEDULER_TYPE}
FINAL_PREFIX = 'final-'  # pkg/machinery/resources/k8s/k8s.go:FinalPrefix @ v1.14.0-rc.1
# The k8s SecretsStatus resource's version the static pods carry (talos.dev/secrets-version): talos-sim's
# Kubernetes secrets never change within a boot, so the secrets status is written once.
SECRETS_VERSION = '1'
OWNERS = {'kube-apiserver': 'k8s.ControlPlaneAPIServerController',
          'kube-controller-manager': 'k8s.ControlPlaneControllerManagerController',
          'kube-scheduler': 'k8s.ControlPlaneSchedulerController'}
FINAL_OWNERS = {'kube-apiserver': 'k8s.ControlPlaneAPIServerFinalController',
                'kube-controller-manager': 'k8s.ControlPlaneControllerManagerFinalController',
                'kube-scheduler': 'k8s.ControlPlaneSchedulerFinalController'}
# The config documents (1.14) that replace the v1alpha1 sections (pkg/machinery/config/types/k8s/*.go).
_SOURCES = {'kube-apiserver': ('KubeAPIServerConfig', ('cluster', 'apiServer')),
            'kube-controller-manager': ('KubeControllerManagerConfig', ('cluster', 'controllerManager')),
            'kube-scheduler': ('KubeSchedulerConfig', ('cluster', 'scheduler'))}
_ETCD_SERVERS = ['https://127.0.0.1:2379']  # constants.EtcdClientPort @ v1.14.0-rc.1
_API_PORT = 6443  # constants.DefaultControlPlanePort
_SERVICE_CIDRS = ['10.96.0.0/12']  # constants.DefaultIPv4ServiceCIDR
_POD_CIDRS = ['10.244.0.0/16']  # constants.DefaultIPv4PodCIDR
_NODE_MASKS = (24, 64)  # constants.DefaultNodeCIDRMaskSizeIPv4/IPv6

Spec = tuple[dict[str, Any], bytes]  # (YAML spec, protobuf spec)


@dataclass(frozen=True)
class ComponentConfig:
    """One rendered config resource with its version."""

    type: str
    id: str
    owner: str
    spec: dict[str, Any]
    proto: bytes
    version: int


def _map_entries(number: int, mapping: dict[str, Any]) -> protoenc.Message:
    """A protobuf map field: one (key 1, value 2) entry per key, in key order."""
    return [(number, [(1, key), (2, value)]) for key, value in sorted(mapping.items())]


def _arg_values(section: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """meta.Args: each value a string or a list of strings, as ArgValues."""
    out = {}
    for key, value in sorted((section.get('extraArgs') or {}).items()):
        values = value if isinstance(value, list) else [value]
        out[str(key)] = {'values': [str(item) for item in values]}
    return out


def _args_proto(number: int, args: dict[str, dict[str, list[str]]]) -> protoenc.Message:
    return [(number, [(1, key), (2, [(1, item) for item in value['values']])]) for key, value in args.items()]


def _resources(section: dict[str, Any]) -> Spec:
    """control_plane.go:convertResources: cpu and memory requests always, limits only when one is set."""
    config = section.get('resources') or {}
    requests = {kind: str((config.get('requests') or {}).get(kind, '')) for kind in ('cpu', 'memory')}
    limits = {kind: str(value) for kind, value in sorted((config.get('limits') or {}).items())
              if kind in ('cpu', 'memory') and value not in (None, '')}
    proto = protoenc.encode(_map_entries(1, requests) + _map_entries(2, limits))
    return {'requests': requests, 'limits': limits}, proto


def _env(section: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in sorted((section.get('env') or {}).items())}


def _apiserver(section: dict[str, Any], legacy: dict[str, Any], image: str, new_document: bool,
               line: tuple[int, int]) -> Spec:
    cluster = legacy.get('cluster') or {}
    cloud = 'external' if (cluster.get('externalCloudProvider') or {}).get('enabled') else ''
    endpoint = str((cluster.get('controlPlane') or {}).get('endpoint') or '')
    port = int(section.get('apiPort') or _API_PORT) if new_document else \
        int((cluster.get('controlPlane') or {}).get('localAPIServerPort') or _API_PORT)
    services = list((cluster.get('network') or {}).get('serviceSubnets') or _SERVICE_CIDRS)
    args, env = _arg_values(section), _env(section)
    resources, resources_proto = _resources(section)
    spec: dict[str, Any] = {
        'image': image, 'cloudProvider': cloud, 'controlPlaneEndpoint': endpoint, 'etcdServers': _ETCD_SERVERS,
        'localPort': port, 'serviceCIDR': services, 'extraArgs': args, 'extraVolumes': [],
        'environmentVariables': env, 'advertisedAddress': '$(POD_IP)', 'resources': resources}
    proto: protoenc.Message = [(1, image), (2, cloud), (3, endpoint), (5, port), (11, '$(POD_IP)'),
                               (12, resources_proto)]
    proto += [(4, server) for server in _ETCD_SERVERS] + [(6, cidr) for cidr in services]
    proto += _map_entries(9, env) + _args_proto(13, args)
    if line >= (1, 14):
        # the KubeAPIServerConfig document turns both on (startup probes unless told otherwise); the
        # v1alpha1 shim never does (v1alpha1_k8s_bridge.go:apiServerConfigShim @ v1.14.0-rc.1)
        probes = bool(section.get('startupProbes', True)) if new_document else False
        spec.update(startupProbesEnabled=probes, useAuthenticationConfig=new_document)
        proto += [(14, probes), (15, new_document)]
    return spec, protoenc.encode(proto)


def _enabled(section: dict[str, Any], new_document: bool) -> bool:
    """The 1.14 documents say ``enabled`` (default true), v1alpha1 says ``disabled``."""
    return bool(section.get('enabled', True)) if new_document else not section.get('disabled', False)


def _controller_manager(section: dict[str, Any], legacy: dict[str, Any], image: str, new_document: bool,
                        line: tuple[int, int]) -> Spec:
    cluster = legacy.get('cluster') or {}
    network = cluster.get('network') or {}
    cloud = 'external' if (cluster.get('externalCloudProvider') or {}).get('enabled') else ''
    pods = list(network.get('podSubnets') or _POD_CIDRS)
    services = list(network.get('serviceSubnets') or _SERVICE_CIDRS)
    enabled = _enabled(section, new_document)
    args, env = _arg_values(section), _env(section)
    resources, resources_proto = _resources(section)
    spec: dict[str, Any] = {'enabled': enabled, 'image': image, 'cloudProvider': cloud, 'podCIDRs': pods,
                            'serviceCIDRs': services}
    if args or line < (1, 14):  # omitempty from 1.14 on
        spec['extraArgs'] = args
    spec.update(extraVolumes=[], environmentVariables=env, resources=resources)
    proto: protoenc.Message = [(1, enabled), (2, image), (3, cloud), (9, resources_proto)]
    proto += [(4, cidr) for cidr in pods] + [(5, cidr) for cidr in services]
    proto += _map_entries(8, env) + _args_proto(10, args)
    if line >= (1, 14):
        spec.update(nodeCIDRMaskSizeIPv4=_NODE_MASKS[0], nodeCIDRMaskSizeIPv6=_NODE_MASKS[1])
        proto += [(12, _NODE_MASKS[0]), (13, _NODE_MASKS[1])]
    return spec, protoenc.encode(proto)


def _scheduler(section: dict[str, Any], legacy: dict[str, Any], image: str, new_document: bool,
               line: tuple[int, int]) -> Spec:
    enabled = _enabled(section, new_document)
    args, env = _arg_values(section), _env(section)
    resources, resources_proto = _resources(section)
    spec: dict[str, Any] = {'enabled': enabled, 'image': image}
    if args or line < (1, 14):
        spec['extraArgs'] = args
    spec.update(config={}, extraVolumes=[], environmentVariables=env, resources=resources)
    proto: protoenc.Message = [(1, enabled), (2, image), (6, resources_proto)]
    proto += _map_entries(5, env) + _args_proto(8, args)
    return spec, protoenc.encode(proto)


_RENDER = {'kube-apiserver': _apiserver, 'kube-controller-manager': _controller_manager,
           'kube-scheduler': _scheduler}


@functools.lru_cache(maxsize=32)
def render(config_yaml: str, line: tuple[int, int]) -> dict[str, Spec]:
    """component -> its config resource's spec, for a control plane's config on Talos ``line``."""
    legacy, kinds = config_documents(config_yaml)
    if not legacy.get('cluster') or not legacy.get('machine'):
        return {}  # controlplaneMapFunc: no cluster or machine part, no resource
    images = machine_kube_config(config_yaml).images
    out = {}
    for component, (kind, path) in _SOURCES.items():
        document = kinds.get(kind)
        section = document if document is not None else dig(legacy, path)
        out[component] = _RENDER[component](section, legacy, images[component], document is not None, line)
    return out


_VERSIONS = VersionTables()


def _is_controlplane(machine: 'Machine') -> bool:
    return machine.configured and machine.planned_type == 'controlplane'


def current(machine: 'Machine') -> dict[str, ComponentConfig]:
    """component -> its config resource now; a spec that changed since the last look is one version up."""
    if not _is_controlplane(machine):
        return {}
    table = _VERSIONS.of(machine)
    out = {}
    for component, (spec, proto) in render(machine.config_yaml or '', machine.version.line).items():
        version = table.version(component, proto + repr(spec).encode())
        out[component] = ComponentConfig(TYPES[component], component, OWNERS[component], spec, proto, version)
    table.keep_only(out)
    return out


def resources(machine: 'Machine') -> list[ComponentConfig]:
    """What the machine serves: the configs, and from 1.14 their final copies with the same version."""
    out = []
    for component, config in current(machine).items():
        out.append(config)
        if machine.version.at_least(1, 14):
            out.append(ComponentConfig(config.type, FINAL_PREFIX + component, FINAL_OWNERS[component], config.spec,
                                       config.proto, config.version))
    return out
