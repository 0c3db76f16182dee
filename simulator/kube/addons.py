# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Talos deploys into a new cluster: kube-proxy, the default CNI (flannel) and CoreDNS, grouped as the
``Manifests.kubernetes.talos.dev`` resources that carry them (simulator.manifests) and that talos-sim's cluster
applies once the API is up (simulator.kube.cluster).

Talos renders these bootstrap manifests on a control plane (``internal/app/machined/pkg/controllers/k8s/
manifest.go:ManifestController.render`` @ v1.14.0-rc.1, from the BootstrapManifestsConfig of
``control_plane.go:NewControlPlaneBootstrapManifestsController``) with the templates of ``controllers/k8s/
internal/k8stemplates/{kube-proxy,flannel,coredns}.go`` and their testdata @ v1.13.9. Only the fields a client
sees in ``kubectl get``/``describe`` and that the controllers read are kept: names, labels, selectors,
tolerations, node selector, priority class, host networking, container names and images.

Left out, as talos-sim's Kubernetes API does not serve their kinds: the ServiceAccounts, ClusterRoles,
ClusterRoleBindings, ConfigMaps, Secret and Service of the manifests, hence the manifests that hold nothing else
(``00-kubelet-bootstrapping-token``, ``01-csr-*``, ``11-kube-config-in-cluster``, ``11-talos-node-rbac-template``,
``11-core-dns-svc``, ``13-talos-service-account-crd``). Which manifests exist follows the v1alpha1 config
(``cluster.coreDNS.disabled``, ``cluster.network.cni.name``, ``cluster.proxy.disabled``) and, for kube-proxy, the
KubeProxyConfig document's ``enabled`` (1.14); the CoreDNS and flannel documents of 1.14 are not read.
"""

from __future__ import annotations

from simulator.kube.api_types import Obj
from simulator.kube.settings import COREDNS_IMAGE, FLANNEL_IMAGE, config_documents, machine_kube_config

KUBE_PROXY = '10-kube-proxy'
FLANNEL = '05-flannel'
COREDNS = '11-core-dns'
TOLERATE_ALL = [{'effect': 'NoSchedule', 'operator': 'Exists'}, {'effect': 'NoExecute', 'operator': 'Exists'}]


def _daemonset(name: str, labels: dict[str, str], containers: list[Obj], priority: str, account: str) -> Obj:
    return {
        'apiVersion': 'apps/v1', 'kind': 'DaemonSet',
        'metadata': {'name': name, 'namespace': 'kube-system', 'labels': dict(labels)},
        'spec': {
            'selector': {'matchLabels': dict(labels)},
            'template': {'metadata': {'labels': dict(labels)},
                         'spec': {'containers': containers, 'hostNetwork': True, 'priorityClassName': priority,
                                  'serviceAccountName': account, 'tolerations': [dict(t) for t in TOLERATE_ALL]}},
            'updateStrategy': {'rollingUpdate': {'maxSurge': 0, 'maxUnavailable': 1}, 'type': 'RollingUpdate'},
            'revisionHistoryLimit': 10,
        },
    }


def kube_proxy(image: str) -> Obj:
    return _daemonset('kube-proxy', {'k8s-app': 'kube-proxy', 'tier': 'node'},
                      [{'name': 'kube-proxy', 'image': image,
                        'command': ['/usr/local/bin/kube-proxy', '--proxy-mode=iptables']}],
                      'system-cluster-critical', 'kube-proxy')


def flannel() -> Obj:
    return _daemonset('kube-flannel', {'k8s-app': 'flannel', 'tier': 'node'},
                      [{'name': 'kube-flannel', 'image': FLANNEL_IMAGE, 'command': ['/opt/bin/flanneld'],
                        'args': ['--ip-masq', '--kube-subnet-mgr'],
                        'resources': {'requests': {'cpu': '100m', 'memory': '50Mi'}}}],
                      'system-node-critical', 'flannel')


def coredns() -> Obj:
    labels = {'k8s-app': 'kube-dns'}
    return {
        'apiVersion': 'apps/v1', 'kind': 'Deployment',
        'metadata': {'name': 'coredns', 'namespace': 'kube-system',
                     'labels': {'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS'}},
        'spec': {
            'replicas': 2,
            'selector': {'matchLabels': dict(labels)},
            'strategy': {'rollingUpdate': {'maxSurge': '25%', 'maxUnavailable': 1}, 'type': 'RollingUpdate'},
            'template': {'metadata': {'labels': dict(labels)},
                         'spec': {'containers': [{'name': 'coredns', 'image': COREDNS_IMAGE,
                                                  'args': ['-conf', '/etc/coredns/Corefile'],
                                                  'resources': {'limits': {'memory': '170Mi'},
                                                                'requests': {'cpu': '100m', 'memory': '70Mi'}}}],
                                  'dnsPolicy': 'Default', 'nodeSelector': {'kubernetes.io/os': 'linux'},
                                  'priorityClassName': 'system-cluster-critical', 'serviceAccountName': 'coredns',
                                  'tolerations': [
                                      {'effect': 'NoSchedule', 'key': 'node-role.kubernetes.io/control-plane',
                                       'operator': 'Exists'},
                                      {'effect': 'NoSchedule', 'key': 'node.cloudprovider.kubernetes.io/uninitialized',
                                       'operator': 'Exists'}]}},
            'revisionHistoryLimit': 10, 'progressDeadlineSeconds': 600,
        },
    }


def manifests(config_yaml: str) -> list[tuple[str, list[Obj]]]:
    """(manifest id, its objects) for a control plane's config, in the order manifest.go renders them."""
    legacy, kinds = config_documents(config_yaml)
    cluster = legacy.get('cluster') or {}
    out = []
    if not (cluster.get('coreDNS') or {}).get('disabled'):
        out.append((COREDNS, [coredns()]))
    if ((cluster.get('network') or {}).get('cni') or {}).get('name', 'flannel') == 'flannel':
        out.append((FLANNEL, [flannel()]))
    proxy = kinds.get('KubeProxyConfig')
    if proxy.get('enabled', True) if proxy is not None else not (cluster.get('proxy') or {}).get('disabled'):
        out.append((KUBE_PROXY, [kube_proxy(machine_kube_config(config_yaml).images['kube-proxy'])]))
    return out
