# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.kubeconfig through the real ansible-playbook, checked with the real kubectl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok

KUBECTL = shutil.which('kubectl')


def kubectl_view(path: str) -> dict:
    proc = subprocess.run([KUBECTL, 'config', 'view', '--raw', '-o', 'json', '--kubeconfig', path],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def foreign_kubeconfig(path) -> dict:
    """A kubeconfig of another cluster that happens to use the same names as talos-sim's."""
    config = {
        'apiVersion': 'v1', 'kind': 'Config',
        'clusters': [{'name': 'talos-sim', 'cluster': {'server': 'https://10.0.0.1:6443',
                                                       'certificate-authority-data': 'Zm9yZWlnbg=='}}],
        'users': [{'name': 'admin@talos-sim', 'user': {'token': 'foreign-token'}}],
        'contexts': [{'name': 'admin@talos-sim', 'context': {'cluster': 'talos-sim', 'user': 'admin@talos-sim'}}],
        'current-context': 'admin@talos-sim',
    }
    path.write_text(yaml.safe_dump(config))
    return config


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is installed by make setup (scripts/debian-packages.txt)')
def test_kubeconfig_write_merge_idempotence(fleet, tmp_path):
    workdir = tmp_path / 'kube'
    workdir.mkdir()
    foreign_kubeconfig(workdir / 'merged')
    foreign_kubeconfig(workdir / 'forced')
    run = ansible_playbook('kubeconfig.yml', {'talosconfig': fleet.talosconfig, 'workdir': str(workdir),
                                              'worker': fleet.addresses('worker')[0]})
    assert_ok(run)
    standalone = str(workdir / 'standalone')
    assert oct(os.stat(standalone).st_mode & 0o777) == '0o600'
    view = kubectl_view(standalone)
    assert view['current-context'] == 'admin@talos-sim'
    server = 'https://%s:6443' % fleet.addresses('controlplane')[0]
    assert [c['cluster']['server'] for c in view['clusters']] == [server]
    merged = kubectl_view(str(workdir / 'merged'))
    assert merged['current-context'] == 'admin@talos-sim-1'
    clusters = {c['name']: c['cluster']['server'] for c in merged['clusters']}
    assert clusters == {'talos-sim': 'https://10.0.0.1:6443', 'talos-sim-1': server}
    users = {u['name']: u['user'] for u in merged['users']}
    assert users['admin@talos-sim'] == {'token': 'foreign-token'}, 'the other cluster is untouched'
    assert 'client-certificate-data' in users['admin@talos-sim-1']
    contexts = {c['name']: c['context'] for c in merged['contexts']}
    assert contexts['admin@talos-sim-1']['cluster'] == 'talos-sim-1'
    assert contexts['admin@talos-sim-1']['user'] == 'admin@talos-sim-1'
    forced = kubectl_view(str(workdir / 'forced'))
    assert forced['current-context'] == 'sim-admin'
    assert {c['name']: c['cluster']['server'] for c in forced['clusters']} == {'talos-sim': server}
    assert 'token' not in {u['name']: u['user'] for u in forced['users']}['admin@talos-sim']
    assert {c['name']: c['context']['cluster'] for c in forced['contexts']}['sim-admin'] == 'talos-sim'
    key = users['admin@talos-sim-1']['client-key-data']
    assert key not in run.output, 'private key in the playbook output'
