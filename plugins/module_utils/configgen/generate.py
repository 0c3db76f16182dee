# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controlplane and worker machine configurations for a version contract, as upstream's generator builds them.

The values are upstream library defaults (no install disk or image unless given). Which fields and
documents appear depends on the contract: up to v1.13 nearly everything sits in the v1alpha1
document; from v1.14 on, Kubernetes, discovery, install and sysctl settings are separate documents.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.talos.linux.plugins.module_utils.configgen import contract as contracts
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.documents import Config, Document
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import MachineConfigError

# A version that can be an image tag (what goes after ``:`` in kube-apiserver's image reference): semver with an
# optional pre-release, the shape talosctl's --kubernetes-version takes.
KUBERNETES_VERSION = re.compile(r'^v?[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.]+(?:-[0-9A-Za-z.]+)*)?$')

KUBELET_IMAGE = 'ghcr.io/siderolabs/kubelet'
APISERVER_IMAGE = 'registry.k8s.io/kube-apiserver'
CONTROLLER_MANAGER_IMAGE = 'registry.k8s.io/kube-controller-manager'
SCHEDULER_IMAGE = 'registry.k8s.io/kube-scheduler'
PROXY_IMAGE = 'registry.k8s.io/kube-proxy'
DISCOVERY_ENDPOINT = 'https://discovery.talos.dev/'
KUBEPRISM_PORT = 7445
LABEL_CONTROL_PLANE = 'node-role.kubernetes.io/control-plane'
LABEL_EXCLUDE_LB = 'node.kubernetes.io/exclude-from-external-load-balancers'
POD_CIDR = ('10.244.0.0/16', 'fc00:db8:10::/56')
SERVICE_CIDR = ('10.96.0.0/12', 'fc00:db8:20::/112')
MACHINE_TYPES = ('controlplane', 'worker')

POD_SECURITY = {
    'apiVersion': 'pod-security.admission.config.k8s.io/v1alpha1',
    'kind': 'PodSecurityConfiguration',
    'defaults': {'enforce': 'baseline', 'enforce-version': 'latest', 'audit': 'restricted',
                 'audit-version': 'latest', 'warn': 'restricted', 'warn-version': 'latest'},
    'exemptions': {'usernames': [], 'runtimeClasses': [], 'namespaces': ['kube-system']},
}
AUDIT_POLICY = {'apiVersion': 'audit.k8s.io/v1', 'kind': 'Policy', 'rules': [{'level': 'Metadata'}]}
AUTHENTICATION = {'anonymous': {'enabled': True, 'conditions': [{'path': '/livez'}, {'path': '/readyz'},
                                                                {'path': '/healthz'}]}, 'jwt': []}


@dataclass
class Options:
    """Generation options, named as the machine_config module names them."""

    additional_sans: list[str] = field(default_factory=list)
    allow_scheduling_on_control_planes: bool = False
    dns_domain: str = 'cluster.local'
    install_disk: str = ''
    install_image: str = ''
    install_extra_kernel_args: list[str] = field(default_factory=list)
    local_api_server_port: int = 0
    sysctls: dict[str, str] = field(default_factory=dict)
    custom_cni_url: str = ''
    registry_mirrors: list[dict[str, Any]] = field(default_factory=list)
    debug: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> 'Options':
        data = dict(data or {})
        if 'additional_subject_alt_names' in data:
            data['additional_sans'] = data.pop('additional_subject_alt_names')
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise MachineConfigError('unknown generation option(s): %s' % ', '.join(sorted(unknown)))
        return cls(**{k: v for k, v in data.items() if v is not None})


def _pem(b64: str) -> str:
    return base64.b64decode(b64).decode('ascii')


class _Generator:
    def __init__(self, bundle: dict, cluster_name: str, endpoint: str, kubernetes_version: str,
                 contract: contracts.Contract, options: Options):
        self.b = bundle
        self.name = cluster_name
        self.endpoint = endpoint
        self.k8s = kubernetes_version.lstrip('v')
        self.c = contract
        self.o = options
        host = urlsplit(endpoint).hostname or ''
        ipv6 = ':' in host
        self.pod_net = [POD_CIDR[1] if ipv6 else POD_CIDR[0]]
        self.service_net = [SERVICE_CIDR[1] if ipv6 else SERVICE_CIDR[0]]
        self.multidoc_k8s = contract.after(1, 13)
        self.mirrors = {m['registry']: list(m.get('endpoints') or []) for m in options.registry_mirrors}

    def cert(self, name: str) -> dict:
        return dict(self.b['certs'][name])

    def apiserver_sans(self) -> list[str]:
        sans = []
        if not self.c.after(1, 11):
            host = urlsplit(self.endpoint).hostname
            if host:
                sans.append(host)
        return sans + list(self.o.additional_sans)

    # -- v1alpha1 document

    def machine(self, controlplane: bool) -> dict:
        c, o = self.c, self.o
        m: dict[str, Any] = {'type': 'controlplane' if controlplane else 'worker',
                             'token': self.b['trustdinfo']['token']}
        m['ca'] = self.cert('os') if controlplane else {'crt': self.b['certs']['os']['crt']}
        if o.additional_sans:
            m['certSANs'] = list(o.additional_sans)
        if not self.multidoc_k8s:
            kubelet: dict[str, Any] = {'image': '%s:v%s' % (KUBELET_IMAGE, self.k8s)}
            if c.after(1, 1):
                kubelet['defaultRuntimeSeccompProfileEnabled'] = True
            if c.after(1, 2):
                kubelet['disableManifestsDirectory'] = True
            m['kubelet'] = kubelet
            if not c.after(1, 12):
                m['network'] = {}
            install: dict[str, Any] = {'wipe': False}
            for key, value in (('disk', o.install_disk), ('image', o.install_image),
                               ('extraKernelArgs', list(o.install_extra_kernel_args))):
                if value:
                    install[key] = value
            if c.after(1, 11):
                install['grubUseUKICmdline'] = True
            m['install'] = install
            if o.sysctls:
                m['sysctls'] = dict(o.sysctls)
            if not c.after(1, 11) and self.mirrors:
                m['registries'] = {'mirrors': {h: {'endpoints': e} for h, e in self.mirrors.items()}}
        features: dict[str, Any] = {}
        if not c.after(1, 11):
            features['rbac'] = True
            if c.after(1, 1):
                features['stableHostname'] = True
            if c.after(1, 2):
                features['apidCheckExtKeyUsage'] = True
        if c.after(1, 4):
            features['diskQuotaSupport'] = True
        if not self.multidoc_k8s and c.after(1, 5):
            features['kubePrism'] = {'enabled': True, 'port': KUBEPRISM_PORT}
        if c.after(1, 6) and not self.multidoc_k8s:
            features['hostDNS'] = {'enabled': True}
            if c.after(1, 7):
                features['hostDNS']['forwardKubeDNSToHost'] = True
        m['features'] = features
        if controlplane and c.after(1, 7) and not self.multidoc_k8s:
            m['nodeLabels'] = {LABEL_EXCLUDE_LB: ''}
        return m

    def cluster(self, controlplane: bool) -> dict:
        c, o, b = self.c, self.o, self.b
        cl: dict[str, Any] = {}
        if not c.after(1, 13):
            cl['id'] = b['cluster']['id']
            cl['secret'] = b['cluster']['secret']
            cl['controlPlane'] = {'endpoint': self.endpoint}
            if controlplane and o.local_api_server_port:
                cl['controlPlane']['localAPIServerPort'] = o.local_api_server_port
            if controlplane or c.after(1, 7):
                cl['clusterName'] = self.name
            network: dict[str, Any] = {'dnsDomain': o.dns_domain, 'podSubnets': list(self.pod_net),
                                       'serviceSubnets': list(self.service_net)}
            if o.custom_cni_url:
                network = {'cni': {'name': 'custom', 'urls': [o.custom_cni_url]}, **network}
            cl['network'] = network
        cl['token'] = b['secrets']['bootstraptoken']
        if self.multidoc_k8s:
            if controlplane:
                cl['etcd'] = {'ca': self.cert('etcd')}
            return cl
        if controlplane:
            if c.after(1, 2):
                cl['secretboxEncryptionSecret'] = b['secrets'].get('secretboxencryptionsecret', '')
            else:
                cl['aescbcEncryptionSecret'] = b['secrets'].get('aescbcencryptionsecret', '')
            cl['ca'] = self.cert('k8s')
            cl['aggregatorCA'] = self.cert('k8saggregator')
            cl['serviceAccount'] = {'key': b['certs']['k8sserviceaccount']['key']}
            api: dict[str, Any] = {'image': '%s:v%s' % (APISERVER_IMAGE, self.k8s)}
            sans = self.apiserver_sans()
            if sans:
                api['certSANs'] = sans
            if not c.after(1, 11):
                api['disablePodSecurityPolicy'] = True
            if c.after(1, 0):
                api['admissionControl'] = [{'name': 'PodSecurity', 'configuration': json.loads(
                    json.dumps(POD_SECURITY))}]
            if c.after(1, 2):
                api['auditPolicy'] = json.loads(json.dumps(AUDIT_POLICY))
            cl['apiServer'] = api
            cl['controllerManager'] = {'image': '%s:v%s' % (CONTROLLER_MANAGER_IMAGE, self.k8s)}
            cl['proxy'] = {'image': '%s:v%s' % (PROXY_IMAGE, self.k8s)}
            cl['scheduler'] = {'image': '%s:v%s' % (SCHEDULER_IMAGE, self.k8s)}
        else:
            cl['ca'] = {'crt': b['certs']['k8s']['crt']}
        discovery: dict[str, Any] = {'enabled': True}
        if c.after(1, 1):
            discovery['registries'] = {'kubernetes': {'disabled': True}}
        cl['discovery'] = discovery
        if controlplane:
            cl['etcd'] = {'ca': self.cert('etcd')}
            if o.allow_scheduling_on_control_planes:
                cl['allowSchedulingOnControlPlanes' if c.after(1, 1) else 'allowSchedulingOnMasters'] = True
        return cl

    # -- other documents

    def documents(self, controlplane: bool) -> list[tuple[str, dict]]:
        c, o, b = self.c, self.o, self.b
        docs: list[tuple[str, dict]] = []
        if c.after(1, 13):
            docs.append(('DiscoveryServiceConfig', {'name': 'default', 'endpoint': DISCOVERY_ENDPOINT}))
            docs.append(('DiscoveryIdentityConfig', {'clusterID': b['cluster']['id'],
                                                     'clusterSecret': b['cluster']['secret']}))
            if o.install_disk:
                installer = {'image': o.install_image} if o.install_image else {}
                docs.append(('UnattendedInstallConfig', {'installer': installer, 'provisioning': {
                    'diskSelector': {'match': 'disk.dev_path == %s' % json.dumps(o.install_disk)},
                    'wipe': False}}))
            docs.append(('ResolverConfig', {'hostDNS': {'enabled': True, 'forwardKubeDNSToHost': True}}))
            if o.sysctls:
                docs.append(('SysctlConfig', {'params': dict(o.sysctls)}))
            docs.append(('VolumeConfig', {'name': 'EPHEMERAL', 'mount': {'secure': True}}))
            docs.append(('FilesystemTrimConfig', {'interval': '168h0m0s'}))
            docs.append(('SecurityProfileConfig', {'workloadIsolation': True}))
        if c.after(1, 11):
            for host in sorted(self.mirrors):
                docs.append(('RegistryMirrorConfig', {'name': host, 'endpoints': [
                    {'url': e} for e in self.mirrors[host]]}))
            docs.append(('HostnameConfig', {'auto': 'stable'}))
        if self.multidoc_k8s:
            docs.extend(self.kubernetes_documents(controlplane))
        return docs

    def kubernetes_documents(self, controlplane: bool) -> list[tuple[str, dict]]:
        o, b = self.o, self.b
        node: dict[str, Any] = {}
        if controlplane:
            node['labels'] = {LABEL_CONTROL_PLANE: '', LABEL_EXCLUDE_LB: ''}
            if not o.allow_scheduling_on_control_planes:
                node['taints'] = {LABEL_CONTROL_PLANE: 'NoSchedule'}
        k8s_ca = {'issuingCA': {'cert': _pem(b['certs']['k8s']['crt']), 'key': _pem(b['certs']['k8s']['key'])}} \
            if controlplane else {'acceptedCAs': [_pem(b['certs']['k8s']['crt'])]}
        docs = [
            ('KubeClusterConfig', {'clusterName': self.name, 'endpoint': self.endpoint}),
            ('KubeNodeConfig', node),
            ('KubeletConfig', {'image': '%s:v%s' % (KUBELET_IMAGE, self.k8s),
                               'defaultRuntimeSeccompProfileEnabled': True}),
            ('KubeNetworkConfig', {'dnsDomain': o.dns_domain, 'podSubnets': list(self.pod_net),
                                   'serviceSubnets': list(self.service_net)}),
            ('KubeAPIServerCAConfig', k8s_ca),
            ('KubePrismConfig', {'port': KUBEPRISM_PORT}),
        ]
        if not controlplane:
            return docs
        agg = b['certs']['k8saggregator']
        docs += [
            ('KubeAggregatorCAConfig', {'issuingCA': {'cert': _pem(agg['crt']), 'key': _pem(agg['key'])}}),
            ('KubeAdmissionControlConfig', {'name': 'PodSecurity', 'configuration': json.loads(
                json.dumps(POD_SECURITY))}),
            ('KubeAuditPolicyConfig', {'configuration': json.loads(json.dumps(AUDIT_POLICY))}),
            ('KubeAuthenticationConfig', {'configuration': json.loads(json.dumps(AUTHENTICATION))}),
            ('KubeAuthorizerConfig', {'name': 'node', 'type': 'Node'}),
            ('KubeAuthorizerConfig', {'name': 'rbac', 'type': 'RBAC'}),
            ('KubeEtcdEncryptionConfig', {'config': {'resources': [
                {'resources': ['secrets'], 'providers': self.encryption_providers()}]}}),
            ('KubeServiceAccountConfig', {'issuer': {'privateKey': _pem(b['certs']['k8sserviceaccount']['key']),
                                                     'issuerURL': self.endpoint}}),
        ]
        api: dict[str, Any] = {'image': '%s:v%s' % (APISERVER_IMAGE, self.k8s)}
        if o.local_api_server_port:
            api['apiPort'] = o.local_api_server_port
        if self.apiserver_sans():
            api['certExtraSANs'] = self.apiserver_sans()
        docs += [
            ('KubeAPIServerConfig', api),
            ('KubeControllerManagerConfig', {'image': '%s:v%s' % (CONTROLLER_MANAGER_IMAGE, self.k8s)}),
            ('KubeSchedulerConfig', {'image': '%s:v%s' % (SCHEDULER_IMAGE, self.k8s)}),
            ('KubeProxyConfig', {'image': '%s:v%s' % (PROXY_IMAGE, self.k8s)}),
        ]
        if not o.custom_cni_url:
            docs.append(('KubeFlannelCNIConfig', {'backendType': 'vxlan', 'backendPort': 4789}))
        docs.append(('KubeCoreDNSConfig', {'enabled': True}))
        if o.custom_cni_url:
            docs.append(('KubeExternalManifestConfig', {'name': 'custom-cni', 'url': o.custom_cni_url}))
        return docs

    def encryption_providers(self) -> list[dict]:
        providers = []
        secrets = self.b['secrets']
        if secrets.get('secretboxencryptionsecret'):
            providers.append({'secretbox': {'keys': [{'name': 'key2',
                                                      'secret': secrets['secretboxencryptionsecret']}]}})
        if secrets.get('aescbcencryptionsecret'):
            providers.append({'aescbc': {'keys': [{'name': 'key1', 'secret': secrets['aescbcencryptionsecret']}]}})
        return providers

    def config(self, machine_type: str) -> Config:
        controlplane = machine_type == 'controlplane'
        legacy = {'version': 'v1alpha1', 'debug': self.o.debug, 'persist': True,
                  'machine': self.machine(controlplane), 'cluster': self.cluster(controlplane)}
        docs = [Document('v1alpha1', '', legacy)]
        for kind, value in self.documents(controlplane):
            docs.append(Document(kind, 'v1alpha1', {'apiVersion': 'v1alpha1', 'kind': kind, **value}))
        return Config(docs)


def generate(bundle: dict, cluster_name: str, endpoint: str, machine_type: str, kubernetes_version: str,
             talos_version: str | None = None, options: Options | dict | None = None) -> Config:
    """The machine configuration ``talosctl gen config`` would build with these inputs."""
    if machine_type not in MACHINE_TYPES:
        raise MachineConfigError('machine_type: expected one of %s, got %r' % (', '.join(MACHINE_TYPES), machine_type))
    if not kubernetes_version:
        raise MachineConfigError('kubernetes_version: kubernetes version must be specified')
    if not KUBERNETES_VERSION.match(kubernetes_version):
        raise MachineConfigError('kubernetes_version: expected a version such as 1.33.1 or v1.33.1 (it becomes the '
                                 'tag of the Kubernetes images), got %r' % kubernetes_version)
    if not cluster_name:
        raise MachineConfigError('cluster_name: must not be empty')
    parts = urlsplit(endpoint or '')
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise MachineConfigError('cluster_endpoint: expected a URL such as https://1.2.3.4:6443, got %r' % endpoint)
    opts = options if isinstance(options, Options) else Options.from_dict(options)
    if not 0 <= opts.local_api_server_port <= 65535:
        raise MachineConfigError('local_api_server_port: expected a port from 1 to 65535 (0 keeps 6443), got %d'
                                 % opts.local_api_server_port)
    contract = contracts.parse(talos_version)
    return _Generator(bundle, cluster_name, endpoint, kubernetes_version, contract, opts).config(machine_type)
