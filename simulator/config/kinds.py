# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Document kinds each Talos line registers (``registry.Register`` calls under ``pkg/machinery/config/types``
at v1.12.11, v1.13.9 and v1.14.0-rc.1); all of them under apiVersion ``v1alpha1``."""

from __future__ import annotations

_V112 = frozenset('''
BondConfig BridgeConfig DHCPv4Config DHCPv6Config NetworkDefaultActionConfig DummyLinkConfig EthernetConfig
EventSinkConfig ExistingVolumeConfig HCloudVIPConfig HostnameConfig SideroLinkConfig KmsgLogConfig
KubeSpanEndpointsConfig Layer2VIPConfig LinkAliasConfig LinkConfig OOMConfig PCIDriverRebindConfig RawVolumeConfig
RegistryAuthConfig RegistryMirrorConfig RegistryTLSConfig ResolverConfig NetworkRuleConfig ExtensionServiceConfig
StaticHostConfig SwapVolumeConfig TimeSyncConfig TrustedRootsConfig UserVolumeConfig VLANConfig VolumeConfig
WatchdogTimerConfig WireguardConfig ZswapConfig
'''.split())
_V113 = _V112 | frozenset('''
BlackholeRouteConfig EnvironmentConfig ExternalVolumeConfig ImageVerificationConfig KubeSpanConfig RoutingRuleConfig
TCPProbeConfig VRFConfig
'''.split())
_V114 = _V113 | frozenset('''
BGPInstanceConfig CRIBaseRuntimeSpecConfig CRICustomizationConfig ContainerConfig DiscoveryIdentityConfig
DiscoveryServiceConfig EtcFileConfig FilesystemScrubConfig FilesystemTrimConfig HTTPProbeConfig ImageCacheConfig
KernelModuleConfig KubeAPIServerCAConfig KubeAPIServerConfig KubeAdmissionControlConfig KubeAggregatorCAConfig
KubeAuditPolicyConfig KubeAuthenticationConfig KubeAuthorizerConfig KubeClusterConfig KubeControllerManagerConfig
KubeCoreDNSConfig KubeCredentialProviderConfig KubeEtcdEncryptionConfig KubeExternalManifestConfig
KubeFlannelCNIConfig KubeInlineManifestConfig KubeNetworkConfig KubeNodeConfig KubePrismConfig KubeProxyConfig
KubeSchedulerConfig KubeServiceAccountConfig KubeStaticPodConfig KubeTalosAPIAccessConfig KubeletConfig
LVMLogicalVolumeConfig LVMVolumeGroupConfig RAIDArrayConfig SecurityProfileConfig SysctlConfig SysfsConfig
UdevRulesConfig UnattendedInstallConfig VethConfig
'''.split())


def registered(line: tuple[int, int]) -> frozenset[str]:
    """The kinds a Talos line (major, minor) knows; lines newer than 1.14 know at least 1.14's."""
    if line >= (1, 14):
        return _V114
    return _V113 if line >= (1, 13) else _V112
