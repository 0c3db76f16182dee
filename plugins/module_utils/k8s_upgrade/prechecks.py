# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Kubernetes minor upgrade removes that a node's machine configuration still uses, and the API resources
it removes (to be looked up in the cluster).

The data is siderolabs/go-kubernetes kubernetes/upgrade/checks.go:newChecks @ 0caf1f2 (upgradeVersionCheck, one
entry per path "1.N->1.N+1"; a path without an entry, such as a patch upgrade, removes nothing). Upstream runs
them in Checks.Run against the rendered static pods' command lines and the KubeletSpec args; here they run on the
machine configurations, which is where those arguments come from and where the user has to change them:
``extraArgs`` of the v1alpha1 ``cluster.apiServer`` / ``controllerManager`` / ``scheduler`` and
``machine.kubelet``, and of the KubeAPIServerConfig, KubeControllerManagerConfig, KubeSchedulerConfig and
KubeletConfig documents. As upstream does, removed feature gates are looked for in the ``feature-gates`` argument of
the three control-plane components (its PopulateRemovedFeatureGates), removed admission plugins in
``enable-admission-plugins`` (PopulateRemovedAdmissionPlugins); the admission plugins a configuration configures
(v1alpha1 ``cluster.apiServer.admissionControl``, KubeAdmissionControlConfig documents) count too, since Talos
passes their configuration to the API server. Kinds name upstream's report columns (ComponentRemovedItemsError.Error:
REMOVED FLAG, REMOVED FEATURE GATE, REMOVED ADMISSION PLUGIN).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple

try:
    import yaml
except ImportError:
    pass  # machineconfig.documents reports the missing library where configs are loaded

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import KubeVersion

APISERVER, CONTROLLER_MANAGER, SCHEDULER, KUBELET = (
    'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet')
# Upstream checks feature gates on these only (checks.go componentChecks.removedFeatureGates).
FEATURE_GATE_COMPONENTS = (APISERVER, CONTROLLER_MANAGER, SCHEDULER)


class Removed(NamedTuple):
    feature_gates: tuple[str, ...] = ()
    flags: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (component, removed flags)
    admission_plugins: tuple[str, ...] = ()
    api_resources: tuple[str, ...] = ()


# Each entry: go-kubernetes kubernetes/upgrade/checks.go:newChecks, the path named as key @ 0caf1f2.
REMOVED: dict[str, Removed] = {
    '1.24->1.25': Removed(
        feature_gates=('CSIVolumeFSGroupPolicy', 'ConfigurableFSGroupPolicy', 'PodDisruptionBudget', 'SelectorIndex'),
        flags=((APISERVER, ('service-account-api-audiences',)),
               (CONTROLLER_MANAGER, ('deleting-pods-qps', 'deleting-pods-burst', 'register-retry-count'))),
        admission_plugins=('PodSecurityPolicy',),
        api_resources=('podsecuritypolicies.v1beta1.policy',)),
    '1.25->1.26': Removed(
        feature_gates=('DynamicKubeletConfig',),
        flags=((APISERVER, ('master-service-namespace',)),)),
    '1.26->1.27': Removed(
        feature_gates=('ExpandCSIVolumes', 'ExpandInUsePersistentVolumes', 'ExpandPersistentVolumes',
                       'ControllerManagerLeaderMigration', 'CSIMigration', 'CSIInlineVolume', 'EphemeralContainers',
                       'LocalStorageCapacityIsolation', 'NetworkPolicyEndPort', 'StatefulSetMinReadySeconds',
                       'IdentifyPodOS', 'DaemonSetUpdateSurge'),
        flags=((CONTROLLER_MANAGER, ('enable-taint-manager', 'pod-eviction-timeout')),
               (KUBELET, ('container-runtime', 'master-service-namespace')))),
    '1.27->1.28': Removed(
        feature_gates=('AdvancedAuditing', 'DelegateFSGroupToCSIDriver', 'DevicePlugins',
                       'DisableAcceleratorUsageMetrics', 'EndpointSliceTerminatingCondition', 'CSIStorageCapacity',
                       'CSIMigrationGCE', 'KubeletCredentialProviders', 'MixedProtocolLBService',
                       'ServiceInternalTrafficPolicy', 'ServiceIPStaticSubrange', 'WindowsHostProcessContainers')),
    '1.28->1.29': Removed(
        api_resources=('clustercidrs.v1alpha1.networking.k8s.io',)),
    '1.29->1.30': Removed(
        feature_gates=('ExpandedDNSConfig', 'ExperimentalHostUserNamespaceDefaultingGate', 'IPTablesOwnershipCleanup',
                       'KubeletPodResources', 'KubeletPodResourcesGetAllocatable', 'MinimizeIPTablesRestore',
                       'ProxyTerminatingEndpoints', 'RemoveSelfLink'),
        admission_plugins=('SecurityContextDeny',)),
    '1.30->1.31': Removed(
        feature_gates=('APIPriorityAndFairness', 'CSINodeExpandSecret', 'ConsistentHTTPGetHandlers',
                       'DefaultHostNetworkHostPortsInPodTemplates', 'ServiceNodePortStaticSubrange',
                       'SkipReadOnlyValidationGCE'),
        flags=((KUBELET, ('keep-terminated-pod-volumes', 'iptables-masquerade-bit', 'iptables-drop-bit')),
               (CONTROLLER_MANAGER, ('volume-host-cidr-denylist', 'volume-host-allow-local-loopback',
                                     'horizontal-pod-autoscaler-upscale-delay',
                                     'horizontal-pod-autoscaler-downscale-delay')))),
    '1.31->1.32': Removed(
        feature_gates=('AllowServiceLBStatusOnNonLB', 'CloudDualStackNodeIPs', 'DRAControlPlaneController',
                       'HPAContainerMetrics', 'KMSv2', 'KMSv2KDF', 'LegacyServiceAccountTokenCleanUp',
                       'MinDomainsInPodTopologySpread', 'NewVolumeManagerReconstruction',
                       'NodeOutOfServiceVolumeDetach', 'ServerSideApply', 'ServerSideFieldValidation',
                       'StableLoadBalancerNodeSet', 'ValidatingAdmissionPolicy',
                       'ZeroLimitedNominalConcurrencyShares'),
        api_resources=('podschedulingcontexts.v1alpha3.resource.k8s.io',)),
    '1.32->1.33': Removed(
        feature_gates=('AppArmor', 'AppArmorFields', 'CPUManager', 'DisableCloudProviders',
                       'DisableKubeletCloudCredentialProviders', 'JobPodFailurePolicy',
                       'KubeProxyDrainingTerminatingNodes', 'PDBUnhealthyPodEvictionPolicy',
                       'PersistentVolumeLastPhaseTransitionTime', 'VolumeCapacityPriority'),
        flags=((APISERVER, ('cloud-config',)),)),
    '1.33->1.34': Removed(
        feature_gates=('DevicePluginCDIDevices', 'LegacySidecarContainers', 'PodDisruptionConditions'),
        flags=((KUBELET, ('cloud-config',)),)),
    '1.34->1.35': Removed(
        feature_gates=('SizeMemoryBackedVolumes', 'UserNamespacesHostNetworkSupport'),
        flags=((KUBELET, ('pod-infra-container-image',)),)),
    '1.35->1.36': Removed(
        feature_gates=('CSIMigrationPortworx', 'HonorPVReclaimPolicy', 'InTreePluginPortworxUnregister',
                       'WatchFromStorageWithoutResourceVersion')),
    '1.36->1.37': Removed(
        feature_gates=('AnyVolumeDataSource', 'DeclarativeValidationTakeover', 'GangScheduling',
                       'PreventStaticPodAPIReferences', 'WorkloadAwarePreemption'),
        flags=((KUBELET, ('application-metrics-count-limit', 'boot-id-file', 'container-hints', 'containerd',
                          'containerd-namespace', 'enable-load-reader', 'event-storage-age-limit',
                          'event-storage-event-limit', 'global-housekeeping-interval', 'log-cadvisor-usage',
                          'machine-id-file', 'storage-driver-user', 'storage-driver-password',
                          'storage-driver-host', 'storage-driver-db', 'storage-driver-table',
                          'storage-driver-secure', 'storage-driver-buffer-duration')),),
        api_resources=('workloads.v1alpha2.scheduling.k8s.io', 'podgroups.v1alpha2.scheduling.k8s.io')),
}

# Where each component's arguments are: v1alpha1 (section, entry), and its own document's kind.
_ARGS = {
    APISERVER: (('cluster', 'apiServer'), 'KubeAPIServerConfig'),
    CONTROLLER_MANAGER: (('cluster', 'controllerManager'), 'KubeControllerManagerConfig'),
    SCHEDULER: (('cluster', 'scheduler'), 'KubeSchedulerConfig'),
    KUBELET: (('machine', 'kubelet'), 'KubeletConfig'),
}


class Finding(NamedTuple):
    node: str
    component: str
    kind: str  # 'flag', 'feature-gate' or 'admission-plugin'
    value: str


def _removed(current: KubeVersion, target: KubeVersion) -> Removed:
    # checks.go keys its table by Path.String(): "major.minor->major.minor".
    return REMOVED.get('%s->%s' % (current.line, target.line), Removed())


def removed_api_resources(current: KubeVersion, target: KubeVersion) -> list[str]:
    """The API resources (``resource.version.group``) the upgrade removes: objects of them block it."""
    return list(_removed(current, target).api_resources)


def _documents(node: str, text: str) -> list[dict[str, Any]]:
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise TalosError('machine configuration: invalid YAML: %s' % exc, node=node) from None
    return [document for document in loaded if isinstance(document, dict)]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _args(documents: list[dict[str, Any]], component: str) -> dict[str, list[str]]:
    """The component's extra arguments from the v1alpha1 document and its own: name -> values (a value of
    meta.Args is a string or a list of them)."""
    (section, entry), kind = _ARGS[component]
    found: dict[str, list[str]] = {}
    for document in documents:
        if 'kind' in document:
            holder = document if document.get('kind') == kind else {}
        else:
            holder = _mapping(_mapping(document.get(section)).get(entry))
        for name, value in _mapping(holder.get('extraArgs')).items():
            values = value if isinstance(value, list) else [value]
            found.setdefault(str(name).lstrip('-'), []).extend(str(item) for item in values)
    return found


def _configured_admission_plugins(documents: list[dict[str, Any]]) -> list[str]:
    names = []
    for document in documents:
        if document.get('kind') == 'KubeAdmissionControlConfig':
            names.append(str(document.get('name', '')))
        elif 'kind' not in document:
            control = _mapping(_mapping(document.get('cluster')).get('apiServer')).get('admissionControl')
            names.extend(str(_mapping(plugin).get('name', '')) for plugin in control or [])
    return names


def _listed(values: list[str]) -> list[str]:
    """The names in comma-separated argument values; ``A=true,B=false`` names A and B."""
    return [item.split('=', 1)[0].strip() for value in values for item in value.split(',')]


def _node_findings(node: str, text: str, removed: Removed) -> Iterator[Finding]:
    documents = _documents(node, text)
    flags = dict(removed.flags)
    for component in (APISERVER, CONTROLLER_MANAGER, SCHEDULER, KUBELET):
        args = _args(documents, component)
        if component == APISERVER:
            plugins = _listed(args.get('enable-admission-plugins', [])) + _configured_admission_plugins(documents)
            for plugin in removed.admission_plugins:
                if plugin in plugins:
                    yield Finding(node, component, 'admission-plugin', plugin)
        if component in FEATURE_GATE_COMPONENTS:
            gates = _listed(args.get('feature-gates', []))
            for gate in removed.feature_gates:
                if gate in gates:
                    yield Finding(node, component, 'feature-gate', gate)
        for flag in flags.get(component, ()):
            if flag in args:
                yield Finding(node, component, 'flag', flag)


def config_findings(current: KubeVersion, target: KubeVersion, configs: dict[str, str]) -> list[Finding]:
    """What each node's configuration (node -> config text) still uses that the upgrade removes; none for a path
    within a minor."""
    removed = _removed(current, target)
    if removed == Removed():
        return []
    return [finding for node, text in configs.items() for finding in _node_findings(node, text, removed)]
