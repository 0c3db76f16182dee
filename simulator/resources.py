# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""COSI resources a machine exposes, rendered the way Talos does (metadata, YAML and proto specs)."""

from __future__ import annotations

import ipaddress
import weakref
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional, Sequence

from simulator import controlplane_config, goyaml, image_resources, manifests, protoenc
from ansible_collections.talos.linux.plugins.module_utils._api.resource.definitions.v1alpha1 import v1alpha1_pb2

from simulator.api import cluster_pb2, common_pb2, config_pb2, meta_pb2, network_pb2, resource_pb2, runtime_pb2
from simulator.kube import nodename
from simulator.kube.settings import kube_config_of
from simulator.installer import InstallerImage
from simulator.lifecycle import lifecycle_of
from simulator.readiness import readiness
from simulator.services import services_of
from simulator.versions import TalosVersion

if TYPE_CHECKING:
    from simulator.machine import Machine

META = 'meta'
KUBELET_SPEC_TYPE = 'KubeletSpecs.kubernetes.talos.dev'
MEMBER_TYPE = 'Members.cluster.talos.dev'
RESOURCE_DEFINITION_TYPE = 'ResourceDefinitions.meta.cosi.dev'
NAMESPACE_TYPE = 'Namespaces.meta.cosi.dev'

# Talos registers these namespaces (name, description); unknown ones are refused by the access filter.
NAMESPACES = (
    (META, 'Metadata namespace which contains resource and namespace definitions.'),
    ('runtime', 'Talos v1alpha1 subsystems glue resources.'),
    ('cluster', 'Cluster configuration and discovery resources.'),
    ('cluster-raw', 'Cluster unmerged raw resources.'),
    ('config', 'Talos node configuration.'),
    ('etcd', 'etcd resources.'),
    ('files', 'Files and file-like resources.'),
    ('hardware', 'Hardware resources.'),
    ('k8s', 'Kubernetes all node types resources.'),
    ('controlplane', 'Kubernetes control plane resources.'),
    ('kubespan', 'KubeSpan resources.'),
    ('network', 'Networking resources.'),
    ('network-config', 'Networking configuration resources.'),
    ('cri', 'CRI Seccomp resources.'),
    ('secrets', 'Resources with secret material.'),
    ('security', 'Security resources.'),
    ('perf', 'Stats resources.'),
    ('storage', 'Storage resources.'),
)
NAMESPACE_NAMES = frozenset(name for name, _ in NAMESPACES)

# MachineStage text forms (enumer -linecomment), in proto enum order.
MACHINE_STAGES = ('unknown', 'booting', 'installing', 'maintenance', 'running', 'rebooting', 'shutting down',
                  'resetting', 'upgrading')
MACHINE_TYPES = {'unknown': 0, 'init': 1, 'controlplane': 2, 'worker': 3}


class ResourceType(NamedTuple):
    """A resource definition (COSI ``ResourceDefinitionSpec`` before alias expansion)."""

    type: str
    display: str  # singular of the type's first label, as go-pluralize derives it
    namespace: str
    aliases: Sequence[str] = ()
    columns: Sequence[tuple[str, str]] = ()
    sensitive: bool = False
    since: tuple[int, int] = (1, 0)  # first Talos line that registers the type

    def registered(self, version: TalosVersion) -> bool:
        return version.at_least(*self.since)

    @property
    def id(self) -> str:
        return self.type.lower()

    def all_aliases(self) -> tuple[list[str], list[str]]:
        """(aliases, all_aliases) exactly as COSI's ResourceDefinitionSpec.Fill expands them."""
        plural, suffix = self.type.split('.', 1)
        aliases = list(self.aliases) + [self.display.lower()]
        all_aliases = [plural.lower()]
        labels = suffix.split('.')
        for i in range(1, len(labels)):
            all_aliases.append('.'.join([plural.lower()] + labels[:i]))
        upper = ''.join(ch for ch in plural if ch.isupper())
        if len(upper) > 1:
            aliases.append(upper.lower())
            if not upper.endswith('S'):
                aliases.append(upper.lower() + 's')
        return aliases, all_aliases + aliases

    def spec(self) -> dict[str, Any]:
        aliases, all_aliases = self.all_aliases()
        spec: dict[str, Any] = {
            'type': self.type,
            'displayType': self.display,
            'defaultNamespace': self.namespace,
            'aliases': aliases,
            'allAliases': all_aliases,
            'printColumns': [{'name': name, 'jsonPath': path} for name, path in self.columns],
        }
        if self.sensitive:
            spec['sensitivity'] = 'sensitive'
        return spec

    def proto(self) -> bytes:
        aliases, all_aliases = self.all_aliases()
        spec_cls = meta_pb2.ResourceDefinitionSpec
        return spec_cls(
            resource_type=self.type, display_type=self.display, default_namespace=self.namespace,
            aliases=aliases, all_aliases=all_aliases,
            print_columns=[spec_cls.PrintColumn(name=n, json_path=p) for n, p in self.columns],
            sensitivity=spec_cls.SENSITIVE if self.sensitive else spec_cls.NON_SENSITIVE,
        ).SerializeToString()


TYPES = (
    ResourceType(RESOURCE_DEFINITION_TYPE, 'ResourceDefinition', META, ('api-resources',),
                 (('Aliases', '{.aliases[:]}'),)),
    ResourceType(NAMESPACE_TYPE, 'Namespace', META, ('ns',)),
    ResourceType('MachineStatuses.runtime.talos.dev', 'MachineStatus', 'runtime', (),
                 (('Stage', '{.stage}'), ('Ready', '{.status.ready}'))),
    ResourceType('Versions.runtime.talos.dev', 'Version', 'runtime', (),
                 (('Name', '{.name}'), ('Version', '{.version}'))),
    ResourceType('MachineTypes.config.talos.dev', 'MachineType', 'config', (), (('Type', '{@}'),)),
    ResourceType('MachineConfigs.config.talos.dev', 'MachineConfig', 'config', sensitive=True),
    ResourceType('HostnameStatuses.net.talos.dev', 'HostnameStatus', 'network', ('hostname',),
                 (('Hostname', '{.hostname}'), ('Domainname', '{.domainname}'))),
    ResourceType('NodeAddresses.net.talos.dev', 'NodeAddress', 'network', (),
                 (('Addresses', '{.addresses}'), ('SortAlgorithm', '{.sortAlgorithm}'))),
    ResourceType('MetaKeys.runtime.talos.dev', 'MetaKey', 'runtime', ('meta',), (('Value', '{.value}'),)),
    ResourceType('ExtensionStatuses.runtime.talos.dev', 'ExtensionStatus', 'runtime', ('extensions',),
                 (('Name', '{.metadata.name}'), ('Version', '{.metadata.version}'))),
    ResourceType('Services.v1alpha1.talos.dev', 'Service', 'runtime', ('svc',),
                 (('Running', '{.running}'), ('Healthy', '{.healthy}'), ('Health Unknown', '{.unknown}'))),
    ResourceType(MEMBER_TYPE, 'Member', 'cluster', (),
                 (('Hostname', '{.hostname}'), ('Machine Type', '{.machineType}'), ('OS', '{.operatingSystem}'),
                  ('Addresses', '{.addresses}'))),
    ResourceType(nodename.NODENAME_TYPE, 'Nodename', 'k8s', (), (('Nodename', '{.nodename}'),)),
    # pkg/machinery/resources/k8s/kubelet_spec.go @ v1.14.0-rc.1: no print columns, sensitive
    ResourceType(KUBELET_SPEC_TYPE, 'KubeletSpec', 'k8s', sensitive=True),
    # pkg/machinery/resources/k8s/apiserver_config.go (sensitive), controllermanager_config.go,
    # scheduler_config.go @ v1.14.0-rc.1: no aliases, no print columns
    ResourceType(controlplane_config.APISERVER_TYPE, 'APIServerConfig', controlplane_config.NAMESPACE,
                 sensitive=True),
    ResourceType(controlplane_config.CONTROLLER_MANAGER_TYPE, 'ControllerManagerConfig',
                 controlplane_config.NAMESPACE),
    ResourceType(controlplane_config.SCHEDULER_TYPE, 'SchedulerConfig', controlplane_config.NAMESPACE),
    # pkg/machinery/resources/k8s/manifest.go, manifest_status.go @ v1.14.0-rc.1: no aliases, no print columns
    ResourceType(manifests.MANIFEST_TYPE, 'Manifest', manifests.NAMESPACE),
    ResourceType(manifests.MANIFEST_STATUS_TYPE, 'ManifestStatus', manifests.NAMESPACE),
    # pkg/machinery/resources/runtime/image_factory_schematic.go (new in 1.14), security_status.go @ v1.14.0-rc.1
    ResourceType(image_resources.IMAGE_FACTORY_SCHEMATIC_TYPE, 'ImageFactorySchematic', 'runtime', (),
                 (('Schematic ID', '{.schematicId}'), ('Flavor', '{.flavor}'), ('API URL', '{.apiUrl}')),
                 since=(1, 14)),
    ResourceType(image_resources.SECURITY_STATE_TYPE, 'SecurityState', 'runtime', (),
                 (('SecureBoot', '{.secureBoot}'), ('UKISigningKeyFingerprint', '{.ukiSigningKeyFingerprint}'),
                  ('PCRSigningKeyFingerprint', '{.pcrSigningKeyFingerprint}'), ('SELinuxState', '{.selinuxState}'),
                  ('ModuleSignatureEnforced', '{.moduleSignatureEnforced}'))),
)
DEFINITIONS = {t.id: t for t in TYPES}


class Resource(NamedTuple):
    namespace: str
    type: str
    id: str
    spec: Any  # plain data rendered as the YAML spec
    proto_spec: bytes
    owner: str = ''
    version: int = 1
    created: float = 0.0
    annotations: Optional[dict[str, str]] = None
    labels: Optional[dict[str, str]] = None
    updated: float = 0.0  # last change; 0 = when created

    def to_proto(self) -> Any:
        nanos = int(self.created * 1e9)
        created = {'seconds': nanos // 10**9, 'nanos': nanos % 10**9}
        nanos = int((self.updated or self.created) * 1e9)
        updated = {'seconds': nanos // 10**9, 'nanos': nanos % 10**9}
        metadata = resource_pb2.Metadata(
            namespace=self.namespace, type=self.type, id=self.id, version=str(self.version), owner=self.owner,
            phase='running', created=created, updated=updated,
            labels=self.labels or {}, annotations=self.annotations or {},
        )
        return resource_pb2.Resource(metadata=metadata,
                                     spec=resource_pb2.Spec(proto_spec=self.proto_spec,
                                                            yaml_spec=goyaml.dumps(self.spec)))


def _meta_resources(version: TalosVersion, created: float) -> list[Resource]:
    out = [Resource(META, RESOURCE_DEFINITION_TYPE, t.id, t.spec(), t.proto(), created=created) for t in TYPES
           if t.registered(version)]
    for name, description in NAMESPACES:
        out.append(Resource(META, NAMESPACE_TYPE, name, {'description': description},
                            meta_pb2.NamespaceSpec(description=description).SerializeToString(), created=created))
    return out


def _node_addresses(machine: 'Machine', created: float) -> list[Resource]:
    prefix = ipaddress.ip_interface('%s/%d' % (machine.address, machine.prefixlen))
    proto = network_pb2.NodeAddressSpec(
        addresses=[common_pb2.NetIPPrefix(ip=prefix.ip.packed, prefix_length=prefix.network.prefixlen)],
    ).SerializeToString()
    spec = {'addresses': [str(prefix)], 'sortAlgorithm': 'v1'}
    return [Resource('network', 'NodeAddresses.net.talos.dev', id_, spec, proto, 'network.NodeAddressController',
                     created=created)
            for id_ in ('accumulative', 'current', 'default', 'routed')]


# Members' machine types as the enums proto numbers them.
MEMBER_TYPES = {'controlplane': 2, 'worker': 3}
KUBE_API_PORT = 6443

_MEMBER_ENTRIES: 'weakref.WeakKeyDictionary[Machine, tuple[tuple, dict[str, Any], bytes]]' = \
    weakref.WeakKeyDictionary()


def _member_entry(peer: 'Machine') -> tuple[dict[str, Any], bytes]:
    """A peer's Member spec (YAML data, proto), rendered again only when what it shows of the peer changes:
    every machine of the fleet lists every peer, so rendering them all on each read made reads quadratic."""
    key = (peer.node_id, peer.address, peer.hostname, peer.planned_type, peer.version.tag)
    cached = _MEMBER_ENTRIES.get(peer)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    spec: dict[str, Any] = {
        'nodeId': peer.node_id,
        'addresses': [peer.address],
        'hostname': peer.hostname,
        'machineType': peer.planned_type,
        'operatingSystem': 'Talos (%s)' % peer.version.tag,
    }
    proto = cluster_pb2.MemberSpec(
        node_id=peer.node_id, addresses=[common_pb2.NetIP(ip=ipaddress.ip_address(peer.address).packed)],
        hostname=peer.hostname, machine_type=MEMBER_TYPES[peer.planned_type],
        operating_system=spec['operatingSystem'])
    if peer.planned_type == 'controlplane':
        spec['controlPlane'] = {'apiServerPort': KUBE_API_PORT}
        proto.control_plane.api_server_port = KUBE_API_PORT
    entry = (key, spec, proto.SerializeToString())
    _MEMBER_ENTRIES[peer] = entry
    return entry[1], entry[2]


def _members(machine: 'Machine', created: float) -> list[Resource]:
    """Cluster discovery: every configured machine of the fleet, up or down (the registry remembers)."""
    out = []
    for peer in machine.peers():
        if peer.configured:
            spec, proto = _member_entry(peer)
            out.append(Resource('cluster', MEMBER_TYPE, peer.node_id, spec, proto, 'cluster.MemberController',
                                created=created))
    return out


def _meta_keys(machine: 'Machine', created: float) -> list[Resource]:
    return [Resource('runtime', 'MetaKeys.runtime.talos.dev', '0x%02x' % key,
                     {'value': value.decode('utf-8', 'replace')},
                     runtime_pb2.MetaKeySpec(value=value.decode('utf-8', 'replace')).SerializeToString(),
                     'runtime.MetaKeyController', created=created)
            for key, value in sorted(machine.meta.items())]


def _installed_image(machine: 'Machine', image: InstallerImage, created: float) -> list[Resource]:
    """What the booted installer image tells: its extensions, its schematic (1.14+), SecureBoot."""
    out = [Resource('runtime', image_resources.EXTENSION_STATUS_TYPE, str(index), spec, proto,
                    'runtime.ExtensionStatusController', created=created)
           for index, (spec, proto) in enumerate(image_resources.extension_statuses(image))]
    schematic = image_resources.image_factory_schematic(image)
    if schematic is not None:
        out.append(Resource('runtime', image_resources.IMAGE_FACTORY_SCHEMATIC_TYPE,
                            image_resources.IMAGE_FACTORY_SCHEMATIC_ID, schematic[0], schematic[1],
                            'runtime.ImageFactorySchematicController', created=created))
    spec, proto = image_resources.security_state(image, machine.secureboot)
    out.append(Resource('runtime', image_resources.SECURITY_STATE_TYPE, image_resources.SECURITY_STATE_ID, spec, proto,
                        'runtime.SecurityStateController', created=created))
    return out


def _services(machine: 'Machine', created: float) -> list[Resource]:
    """Services.v1alpha1.talos.dev: one per running service (machined removes it when the service stops)."""
    return [Resource('runtime', 'Services.v1alpha1.talos.dev', service_id, spec,
                     v1alpha1_pb2.ServiceSpec(**spec).SerializeToString(), 'v1alpha1.ServiceController',
                     created=created)
            for service_id, spec in services_of(machine).resource_specs()]


def _nodename(machine: 'Machine', created: float) -> list[Resource]:
    """k8s.NodenameController: the node name from the hostname; hostnameVersion is the HostnameStatus resource's
    version, which stays 1 here (the hostname never changes within a boot)."""
    name = nodename.from_hostname(machine.hostname)
    return [Resource('k8s', nodename.NODENAME_TYPE, nodename.NODENAME_ID, nodename.nodename_spec(name, '1'),
                     nodename.nodename_proto(name, '1'), 'k8s.NodenameController', created=created)]


def _kubelet_spec(machine: 'Machine', created: float) -> list[Resource]:
    """k8s.KubeletSpecController (internal/app/machined/pkg/controllers/k8s/kubelet_spec.go:Run @ v1.14.0-rc.1):
    the kubelet image of the config (its tag is the kubelet's version) and the node name it registers as. The
    args, mounts and KubeletConfiguration it renders are not emulated; ``config`` stays empty."""
    image = kube_config_of(machine).images['kubelet']
    name = nodename.from_hostname(machine.hostname)
    spec = {'image': image, 'expectedNodename': name, 'config': {}}
    return [Resource('k8s', KUBELET_SPEC_TYPE, 'kubelet', spec, protoenc.encode([(1, image), (4, name)]),
                     'k8s.KubeletSpecController', created=created)]


def _controlplane_configs(machine: 'Machine', created: float) -> list[Resource]:
    """The control-plane components' configs with their versions (simulator.controlplane_config)."""
    return [Resource(controlplane_config.NAMESPACE, item.type, item.id, item.spec, item.proto, item.owner,
                     version=item.version, created=created)
            for item in controlplane_config.resources(machine)]


def _manifests(machine: 'Machine', created: float) -> list[Resource]:
    """The bootstrap manifests and their status (simulator.manifests)."""
    return [Resource(manifests.NAMESPACE, item.type, item.id, item.spec, item.proto, item.owner,
                     version=item.version, created=created)
            for item in manifests.resources(machine)]


def _machine_status(machine: 'Machine', created: float) -> list[Resource]:
    lifecycle = lifecycle_of(machine)
    ready, unmet = readiness(machine, lifecycle.stage)
    spec = {'stage': lifecycle.stage, 'status': {'ready': ready, 'unmetConditions': unmet}}
    proto = runtime_pb2.MachineStatusSpec(
        stage=MACHINE_STAGES.index(lifecycle.stage), status=runtime_pb2.MachineStatusStatus(
            ready=ready, unmet_conditions=[runtime_pb2.UnmetCondition(**item) for item in unmet]),
    ).SerializeToString()
    return [Resource('runtime', 'MachineStatuses.runtime.talos.dev', 'machine', spec, proto,
                     'runtime.MachineStatusController', version=4, created=created)]


def _version(machine: 'Machine', created: float) -> list[Resource]:
    return [Resource('runtime', 'Versions.runtime.talos.dev', 'version',
                     {'name': 'Talos', 'version': machine.version.tag},
                     runtime_pb2.VersionSpec(version=machine.version.tag, name='Talos').SerializeToString(),
                     'runtime.VersionController', created=created)]


def _machine_type(machine: 'Machine', created: float) -> list[Resource]:
    return [Resource('config', 'MachineTypes.config.talos.dev', 'machine-type', machine.machine_type,
                     config_pb2.MachineTypeSpec(machine_type=MACHINE_TYPES[machine.machine_type]).SerializeToString(),
                     'config.MachineTypeController', created=created)]


def _hostname(machine: 'Machine', created: float) -> list[Resource]:
    return [Resource('network', 'HostnameStatuses.net.talos.dev', 'hostname',
                     {'hostname': machine.hostname, 'domainname': ''},
                     network_pb2.HostnameStatusSpec(hostname=machine.hostname).SerializeToString(),
                     'network.HostnameSpecController', created=created)]


def _installed_image_now(machine: 'Machine', created: float) -> list[Resource]:
    return _installed_image(machine, lifecycle_of(machine).current, created)


def _configured(render: Callable[['Machine', float], list[Resource]]) -> Callable[['Machine', float], list[Resource]]:
    """A renderer of resources that exist only once a config is loaded (members, node name, kubelet spec)."""
    def rendered(machine: 'Machine', created: float) -> list[Resource]:
        return render(machine, created) if machine.configured else []
    return rendered


def _machine_configs(machine: 'Machine', created: float) -> list[Resource]:
    """v1alpha1: the running config; persistent: the one on disk (differs after a staged or try apply)."""
    out = []
    for id_, text in (('persistent', machine.persistent_yaml), ('v1alpha1', machine.config_yaml)):
        if text is not None:
            config_proto = config_pb2.MachineConfigSpec(yaml_marshalled=text.encode()).SerializeToString()
            out.append(Resource('config', 'MachineConfigs.config.talos.dev', id_, text, config_proto,
                                created=created, annotations={'talos.dev/yaml-spec': '1'}))
    return out


def _meta(machine: 'Machine', created: float) -> list[Resource]:
    return _meta_resources(machine.version, created)


# Each renderer with the resource types it makes: a read of one type renders only what can hold it, so the
# fleet's members are rendered for a read of Members, not for every Get.
_RENDERERS: tuple[tuple[frozenset[str], Callable[['Machine', float], list[Resource]]], ...] = (
    (frozenset((RESOURCE_DEFINITION_TYPE, NAMESPACE_TYPE)), _meta),
    (frozenset(('MachineStatuses.runtime.talos.dev',)), _machine_status),
    (frozenset(('Versions.runtime.talos.dev',)), _version),
    (frozenset(('MachineTypes.config.talos.dev',)), _machine_type),
    (frozenset(('HostnameStatuses.net.talos.dev',)), _hostname),
    (frozenset(('NodeAddresses.net.talos.dev',)), _node_addresses),
    (frozenset((image_resources.EXTENSION_STATUS_TYPE, image_resources.IMAGE_FACTORY_SCHEMATIC_TYPE,
                image_resources.SECURITY_STATE_TYPE)), _installed_image_now),
    (frozenset(('MetaKeys.runtime.talos.dev',)), _meta_keys),
    (frozenset(('Services.v1alpha1.talos.dev',)), _services),
    (frozenset((MEMBER_TYPE,)), _configured(_members)),
    (frozenset((nodename.NODENAME_TYPE,)), _configured(_nodename)),
    (frozenset((KUBELET_SPEC_TYPE,)), _configured(_kubelet_spec)),
    (frozenset(controlplane_config.TYPES.values()), _controlplane_configs),
    (frozenset((manifests.MANIFEST_TYPE, manifests.MANIFEST_STATUS_TYPE)), _manifests),
    (frozenset(('MachineConfigs.config.talos.dev',)), _machine_configs),
)


def machine_resources(machine: 'Machine', resource_type: str) -> list[Resource]:
    """The resources of one type the machine serves through COSI right now."""
    # Readiness is computed now from the machine's state, as MachineStatusController recomputes it on every
    # change of its inputs (simulator.readiness). In Talos the event publisher watches this very resource
    # (machine_status_publisher.go @ v1.13.9), so no reader may see a status whose event is still unsent:
    # publish any change first, then render.
    lifecycle_of(machine).refresh_status()
    out = []
    for types, render in _RENDERERS:
        if resource_type in types:
            out += [item for item in render(machine, machine.booted_at) if item.type == resource_type]
    return out
