# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin kubeconfig a control plane hands out: a fresh client certificate from the cluster's Kubernetes CA.

Everything comes from the machine's config, as Talos takes it: the cluster name, the API endpoint and
the Kubernetes CA (v1alpha1 ``cluster.*`` up to contract 1.13; KubeClusterConfig and
KubeAPIServerCAConfig documents from 1.14).
"""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import tarfile
from typing import Any

import yaml

from simulator import goyaml
from simulator.pki import CertAndKey, issue_certificate

ADMIN_CERT_LIFETIME = datetime.timedelta(days=365)


class KubernetesCluster:
    """Cluster name, API endpoint and Kubernetes CA read from a machine config."""

    def __init__(self, config_yaml: str) -> None:
        self.name = self.endpoint = ''
        ca_crt = ca_key = b''
        for doc in yaml.safe_load_all(config_yaml):
            if not isinstance(doc, dict):
                continue
            if doc.get('version') == 'v1alpha1' and 'kind' not in doc:
                cluster = doc.get('cluster') or {}
                self.name = cluster.get('clusterName') or self.name
                self.endpoint = (cluster.get('controlPlane') or {}).get('endpoint') or self.endpoint
                ca = cluster.get('ca') or {}
                if ca.get('key'):
                    ca_crt, ca_key = base64.b64decode(ca['crt']), base64.b64decode(ca['key'])
            elif doc.get('kind') == 'KubeClusterConfig':
                self.name = doc.get('clusterName') or self.name
                self.endpoint = doc.get('endpoint') or self.endpoint
            elif doc.get('kind') == 'KubeAPIServerCAConfig':
                issuing = doc.get('issuingCA') or {}
                ca_crt, ca_key = issuing.get('cert', '').encode(), issuing.get('key', '').encode()
        self.ca = CertAndKey(ca_crt, ca_key)

    @property
    def complete(self) -> bool:
        return bool(self.name and self.endpoint and self.ca.crt and self.ca.key)


def admin_kubeconfig(cluster: KubernetesCluster) -> str:
    """kubeconfig YAML: cluster <name>, user and context admin@<name>, namespace default."""
    admin = issue_certificate(cluster.ca, common_name='admin', organizations=['system:masters'], client=True,
                              lifetime=ADMIN_CERT_LIFETIME)
    user = 'admin@%s' % cluster.name

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode('ascii')

    config: dict[str, Any] = {
        'apiVersion': 'v1',
        'kind': 'Config',
        'clusters': [{'name': cluster.name, 'cluster': {'server': cluster.endpoint,
                                                        'certificate-authority-data': b64(cluster.ca.crt)}}],
        'users': [{'name': user, 'user': {'client-certificate-data': b64(admin.crt),
                                          'client-key-data': b64(admin.key)}}],
        'contexts': [{'context': {'cluster': cluster.name, 'namespace': 'default', 'user': user}, 'name': user}],
        'current-context': user,
    }
    return goyaml.dumps(config)


def packed(kubeconfig: str) -> bytes:
    """What the Kubeconfig RPC streams: a gzip'd tar holding one regular file, ``kubeconfig``, mode 0600."""
    data = kubeconfig.encode('utf-8')
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode='wb') as gz, tarfile.open(fileobj=gz, mode='w') as tar:
        info = tarfile.TarInfo('kubeconfig')
        info.size, info.mode = len(data), 0o600
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
