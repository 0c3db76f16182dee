# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key material of a kubeconfig goes to private files that disappear with the client; the library is optional."""

from __future__ import annotations

import asyncio
import base64
import os
import stat
import sys

import pytest

from ansible_collections.talos.linux.plugins.module_utils.kube import client as kube_client
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeClient, KubeError, api_path


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CONFIG = {'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'admin@c',
          'clusters': [{'name': 'c', 'cluster': {'server': 'https://127.0.0.1:6443',
                                                 'certificate-authority-data': _b64('CA')}}],
          'contexts': [{'name': 'admin@c', 'context': {'cluster': 'c', 'user': 'admin@c'}}],
          'users': [{'name': 'admin@c', 'user': {'client-certificate-data': _b64('CERT'),
                                                 'client-key-data': _b64('KEY')}}]}


def test_embedded_data_become_private_files(tmp_path):
    converted = kube_client._with_files(CONFIG, str(tmp_path))
    cluster, user = converted['clusters'][0]['cluster'], converted['users'][0]['user']
    assert 'certificate-authority-data' not in cluster and 'client-key-data' not in user
    for path, content in ((cluster['certificate-authority'], b'CA'), (user['client-certificate'], b'CERT'),
                          (user['client-key'], b'KEY')):
        assert os.path.dirname(path) == str(tmp_path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path, 'rb') as f:
            assert f.read() == content
    assert CONFIG['users'][0]['user']['client-key-data'] == _b64('KEY')  # the caller's copy is untouched


def test_data_that_is_not_base64_is_named_without_its_value(tmp_path):
    config = {'clusters': [], 'users': [{'name': 'u', 'user': {'client-key-data': 'not base64!'}}]}
    with pytest.raises(KubeError, match=r'users\[0\].user.client-key-data is not base64$'):
        kube_client._with_files(config, str(tmp_path))


def test_the_private_directory_is_gone_after_the_client(monkeypatch):
    made = []
    real_mkdtemp = kube_client.tempfile.mkdtemp

    def mkdtemp(**kwargs):
        made.append(real_mkdtemp(**kwargs))
        return made[-1]
    monkeypatch.setattr(kube_client.tempfile, 'mkdtemp', mkdtemp)

    async def use() -> str:
        async with KubeClient(CONFIG, 'for a test') as kube:
            assert stat.S_IMODE(os.stat(made[0]).st_mode) == 0o700 and len(os.listdir(made[0])) == 3
            return kube.server
    assert asyncio.run(use()) == 'https://127.0.0.1:6443'
    assert not os.path.exists(made[0])


def test_missing_library_names_what_needs_it_and_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'kubernetes', None)  # import kubernetes raises ImportError
    with pytest.raises(KubeError) as raised:
        asyncio.run(KubeClient(CONFIG, 'for the drain option').__aenter__())
    assert 'kubernetes' in raised.value.message and 'for the drain option' in raised.value.message
    assert 'pip install kubernetes' in raised.value.message


def test_refusal_explanation_carries_the_causes():
    refused = KubeError("Cannot evict pod as it would violate the pod's disruption budget.", status=429,
                        causes=['The disruption budget web needs 2 healthy pods and has 2 currently'])
    assert refused.explanation == ("Cannot evict pod as it would violate the pod's disruption budget. "
                                   "The disruption budget web needs 2 healthy pods and has 2 currently")


def test_api_path_escapes_each_segment() -> None:
    assert api_path('api', 'v1', 'nodes', 'node-1') == '/api/v1/nodes/node-1'
    assert api_path('api', 'v1', 'namespaces', 'a/b', 'pods', 'p?x') == '/api/v1/namespaces/a%2Fb/pods/p%3Fx'
