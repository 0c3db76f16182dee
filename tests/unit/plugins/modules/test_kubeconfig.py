# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeconfig's main(): fetch from the node, write or merge into dest, check mode, redacted diff, errors."""

from __future__ import annotations

import base64
import gzip
import io
import os
import stat
import tarfile

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import kubeconfig


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope='module')
def kubeconfig_text() -> str:
    ca = pki.generate_ca('kubernetes', algorithm='ecdsa')
    admin = pki.issue_certificate(ca, common_name='admin', organizations=['system:masters'], client=True)
    return yaml.safe_dump({
        'apiVersion': 'v1', 'kind': 'Config',
        'clusters': [{'name': 'prod', 'cluster': {'server': 'https://10.5.0.2:6443',
                                                  'certificate-authority-data': _b64(ca.crt)}}],
        'users': [{'name': 'admin@prod', 'user': {'client-certificate-data': _b64(admin.crt),
                                                  'client-key-data': _b64(admin.key)}}],
        'contexts': [{'name': 'admin@prod', 'context': {'cluster': 'prod', 'namespace': 'default',
                                                        'user': 'admin@prod'}}],
        'current-context': 'admin@prod',
    })


def archive(text: str) -> bytes:
    """What Talos sends: a gzip'd tar holding the kubeconfig file."""
    data, buffer = text.encode(), io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode='wb') as gz, tarfile.open(fileobj=gz, mode='w') as tar:
        info = tarfile.TarInfo('kubeconfig')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def fleet(talos, kubeconfig_text):
    talos.kubeconfig_archive = archive(kubeconfig_text)
    return talos


def test_return_content_only(run, fleet, kubeconfig_text):
    result = run(kubeconfig, node='10.5.0.3', return_content=True)
    assert result == dict(result, changed=False, kubeconfig=kubeconfig_text) and 'dest' not in result
    assert fleet.called('kubeconfig') == [{'node': '10.5.0.3'}]


def test_writes_dest_then_is_idempotent(run, fleet, tmp_path, kubeconfig_text):
    dest = tmp_path / 'kube' / 'config'
    dest.parent.mkdir()
    result = run(kubeconfig, dest=str(dest), diff=True)
    assert result['changed'] is True and result['context'] == 'admin@prod' and result['renames'] == []
    assert yaml.safe_load(dest.read_text())['current-context'] == 'admin@prod'
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    key = yaml.safe_load(kubeconfig_text)['users'][0]['user']['client-key-data']
    assert result['diff']['before'] == '' and 'admin@prod' in result['diff']['after']
    assert key not in result['diff']['after']
    assert run(kubeconfig, dest=str(dest))['changed'] is False


def test_check_mode_writes_nothing(run, fleet, tmp_path):
    dest = tmp_path / 'config'
    result = run(kubeconfig, check=True, dest=str(dest))
    assert result['changed'] is True and not dest.exists()


def test_other_kubeconfig_is_not_replaced_without_merge_or_force(run, fleet, tmp_path, kubeconfig_text):
    dest = tmp_path / 'config'
    other = yaml.safe_load(kubeconfig_text)
    other['clusters'][0]['cluster']['server'] = 'https://10.9.0.1:6443'
    dest.write_text(yaml.safe_dump(other))
    result = run(kubeconfig, dest=str(dest), merge=False)
    assert result['failed'] and result['dest'] == str(dest) and 'use merge=true' in result['msg']
    assert yaml.safe_load(dest.read_text()) == other


def test_dest_or_return_content_is_required(run, fleet):
    result = run(kubeconfig)
    assert result['failed'] and 'dest, return_content' in result['msg']
    assert fleet.calls == []


def test_node_error_fails_with_code(run, fleet):
    fleet.reply('kubeconfig', TalosError('not authorized', code='PERMISSION_DENIED', node='10.5.0.3'))
    result = run(kubeconfig, node='10.5.0.3', return_content=True)
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.3'


def test_unreadable_archive_is_named(run, fleet):
    fleet.kubeconfig_archive = b'not gzip'
    result = run(kubeconfig, return_content=True)
    assert result['failed'] and 'cannot be read' in result['msg']


@pytest.mark.parametrize('renew_before, words', [
    (30, 'option renew_before: 30 has no unit; give a duration with one, e.g. 720h'),
    ('30d', "option renew_before: '30d' is not a duration"),
])
def test_renew_before_is_a_duration_with_a_unit(run, fleet, tmp_path, renew_before, words):
    result = run(kubeconfig, dest=str(tmp_path / 'kubeconfig'), renew_before=renew_before)
    assert result['failed'] and result['msg'].startswith(words)
    assert not (tmp_path / 'kubeconfig').exists()
