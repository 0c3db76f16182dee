# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Talos deploys into a new cluster: the namespaces, kube-proxy, the default CNI (flannel) and CoreDNS.

Talos renders these bootstrap manifests on a control plane and applies the missing ones once the API is up
(``internal/app/machined/pkg/controllers/k8s/manifest.go``, ``manifest_apply.go`` and the templates of
``controllers/k8s/internal/k8stemplates/{kube-proxy,flannel,coredns}.go`` and their testdata @ v1.13.9). Only
the fields a client sees in ``kubectl get``/``describe`` and that the controllers read are kept: names, labels,
selectors, tolerations, node selector, priority class, host networking, container names and images.
"""

from __future__ import annotations

from simulator.kube.api_types import Obj
from simulator.kube.settings import COREDNS_IMAGE, FLANNEL_IMAGE

NAMESPACES = ('default', 'kube-node-lease', 'kube-public', 'kube-system')
TOLERATE_ALL = [{'effect': 'NoSchedule', 'operator': 'Exists'}, {'effect': 'NoExecute', 'operator': 'Exists'}]


def namespace(name: str) -> Obj:
    return {'apiVersion': 'v1', 'kind': 'Namespace',
            'metadata': {'name': name, 'labels': {'kubernetes.io/metadata.name': name}},
            'spec': {'finalizers': ['kubernetes']}, 'status': {'phase': 'Active'}}


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


def manifests(kube_proxy_image: str) -> list[tuple[str, Obj]]:
    """(resource, object) in the order Talos applies them (namespaces first)."""
    return ([('namespaces', namespace(name)) for name in NAMESPACES]
            + [('daemonsets', kube_proxy(kube_proxy_image)), ('daemonsets', flannel()), ('deployments', coredns())])
