# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``kube_cluster`` fixture: a real Kubernetes API (talos-sim's, over HTTPS) behind the fake Talos node.

Import the fixture into a module test. The fake Talos answers the Kubeconfig RPC with an admin
kubeconfig for that API and its Nodename resource with ``worker-1``, so a module that drains finds
Kubernetes the way it finds it on a real cluster. ``worker-1`` runs a replicated pod ``web-1`` (its
sibling ``web-2`` runs on ``worker-2``, both under the budget ``web`` that allows one disruption) and
a DaemonSet pod that a drain skips.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from typing import Any

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.kube_api import KubeApi, budget, daemonset, node, pod

NODENAME = ('k8s', 'Nodenames.kubernetes.talos.dev', 'nodename')
WEB = {'app': 'web'}


def kubeconfig_archive(config: dict) -> bytes:
    """A kubeconfig as the Kubeconfig RPC sends it: a gzip'd tar with one file."""
    data = yaml.safe_dump(config).encode()
    archive = io.BytesIO()
    with gzip.GzipFile(fileobj=archive, mode='wb') as gz, tarfile.open(fileobj=gz, mode='w') as tar:
        member = tarfile.TarInfo('kubeconfig')
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return archive.getvalue()


@pytest.fixture
def kube_cluster(talos: Any):
    with KubeApi() as api:
        api.create('nodes', node('worker-1'), node('worker-2'))
        api.create('daemonsets', daemonset('kube-proxy', 'kube-system'))
        api.create('pods',
                   pod('web-1', 'worker-1', owner=('ReplicaSet', 'web-5d9c'), labels=WEB),
                   pod('web-2', 'worker-2', owner=('ReplicaSet', 'web-5d9c'), labels=WEB),
                   pod('kube-proxy-a', 'worker-1', namespace='kube-system', owner=('DaemonSet', 'kube-proxy')))
        api.create('poddisruptionbudgets', budget('web', WEB, min_available=1))
        talos.resources[NODENAME] = {'nodename': 'worker-1', 'hostnameVersion': '1', 'skipNodeRegistration': False}
        talos.kubeconfig_archive = kubeconfig_archive(api.kubeconfig())
        yield api


def unschedulable(api: KubeApi, name: str = 'worker-1') -> bool:
    return bool(api.get('nodes', None, name)['spec'].get('unschedulable'))
