# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machine config ``talosctl gen config`` writes, reduced to the fields talos-sim reads, per contract.

Up to contract 1.13 everything lives in the v1alpha1 document (``pkg/machinery/config/generate/init.go:
initUd`` and ``worker.go:workerUd @ v1.13.9``): machine type/token/CA (a worker gets the OS CA certificate
only), install disk and image, cluster ID/secret, endpoint, name, bootstrap token, Kubernetes CA (no key on
a worker) and on control planes the aggregator CA, service account key, secretbox secret and etcd CA.
From 1.14 the Kubernetes part moves to its own documents (``generate/kubernetes.go @ v1.14.0-rc.1``:
KubeClusterConfig, KubeAPIServerCAConfig) and the discovery identity to DiscoveryIdentityConfig. Both get a
HostnameConfig; talos-sim sets the machine's hostname there instead of ``auto: stable``.
"""

from __future__ import annotations

import base64
from typing import Any

from simulator import goyaml


def _ca(bundle: dict[str, Any], name: str, with_key: bool = True) -> dict[str, str]:
    pair = bundle['certs'][name]
    return {'crt': pair['crt'], 'key': pair['key'] if with_key else ''}


def _v1alpha1(bundle: dict[str, Any], machine_type: str) -> dict[str, Any]:
    controlplane = machine_type == 'controlplane'
    machine: dict[str, Any] = {'type': machine_type, 'token': bundle['trustdinfo']['token'],
                               'ca': _ca(bundle, 'os', with_key=controlplane), 'certSANs': []}
    cluster: dict[str, Any] = {'token': bundle['secrets']['bootstraptoken']}
    if controlplane:
        cluster['etcd'] = {'ca': _ca(bundle, 'etcd')}
    return {'version': 'v1alpha1', 'debug': False, 'persist': True, 'machine': machine, 'cluster': cluster}


def _legacy_cluster(bundle: dict[str, Any], controlplane: bool, name: str, endpoint: str) -> dict[str, Any]:
    section = bundle['secrets']
    cluster: dict[str, Any] = {
        'id': bundle['cluster']['id'], 'secret': bundle['cluster']['secret'],
        'controlPlane': {'endpoint': endpoint}, 'clusterName': name,
        'network': {'dnsDomain': 'cluster.local', 'podSubnets': ['10.244.0.0/16'],
                    'serviceSubnets': ['10.96.0.0/12']},
        'token': section['bootstraptoken'],
        'ca': _ca(bundle, 'k8s', with_key=controlplane),
    }
    if controlplane:
        cluster['secretboxEncryptionSecret'] = section.get('secretboxencryptionsecret', '')
        cluster['aggregatorCA'] = _ca(bundle, 'k8saggregator')
        cluster['serviceAccount'] = {'key': bundle['certs']['k8sserviceaccount']['key']}
        cluster['etcd'] = {'ca': _ca(bundle, 'etcd')}
    return cluster


def _pem(value: str) -> str:
    return base64.b64decode(value).decode('ascii')


def machine_config(bundle: dict[str, Any], machine_type: str, hostname: str, endpoint: str, cluster_name: str,
                   talos_version: str) -> str:
    """Multi-document YAML for ``machine_type`` (controlplane or worker) at ``talos_version``'s contract."""
    contract = tuple(int(part) for part in talos_version.lstrip('v').split('.')[:2])
    controlplane = machine_type == 'controlplane'
    legacy = _v1alpha1(bundle, machine_type)
    docs: list[dict[str, Any]] = [legacy]
    if contract < (1, 14):
        legacy['machine']['install'] = {'disk': '/dev/sda', 'image': 'ghcr.io/siderolabs/installer:%s' % talos_version,
                                        'wipe': False}
        legacy['cluster'] = _legacy_cluster(bundle, controlplane, cluster_name, endpoint)
    else:
        docs.append({'apiVersion': 'v1alpha1', 'kind': 'DiscoveryIdentityConfig',
                     'clusterID': bundle['cluster']['id'], 'clusterSecret': bundle['cluster']['secret']})
    docs.append({'apiVersion': 'v1alpha1', 'kind': 'HostnameConfig', 'hostname': hostname})
    if contract >= (1, 14):
        docs.append({'apiVersion': 'v1alpha1', 'kind': 'KubeClusterConfig', 'clusterName': cluster_name,
                     'endpoint': endpoint})
        ca = bundle['certs']['k8s']
        issuing = {'cert': _pem(ca['crt'])}
        if controlplane:
            issuing['key'] = _pem(ca['key'])
        docs.append({'apiVersion': 'v1alpha1', 'kind': 'KubeAPIServerCAConfig', 'issuingCA': issuing})
    return goyaml.dumps_all(docs)
