# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeconfig: no surprise targets (another cluster's file is not replaced unasked), no key in the output."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.talos.linux.tests.faults.conftest import (assert_no_secret, leftovers, play,
                                                                   single_controlplane, task_message)

pytestmark = pytest.mark.faults

OTHER = {'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'dev',
         'clusters': [{'name': 'dev', 'cluster': {'server': 'https://192.0.2.1:6443'}}],
         'users': [{'name': 'dev', 'user': {'token': 'dev-token-not-to-lose'}}],
         'contexts': [{'name': 'dev', 'context': {'cluster': 'dev', 'user': 'dev'}}]}


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    yield from single_controlplane(tmp_path_factory, 'kubeconfig-faults')


def _task(cluster, dest: str, **options) -> dict:
    return {'talos.linux.kubeconfig': dict({'talosconfig': cluster.talosconfig,
                                            'node': cluster.addresses('controlplane')[0], 'dest': dest,
                                            'merge': False}, **options)}


def test_merge_false_does_not_replace_another_clusters_kubeconfig_without_force(cluster, tmp_path):
    """kubeconfig with merge=false refuses to replace a file holding another cluster's kubeconfig unless forced."""
    directory = tmp_path / 'out'
    directory.mkdir()
    dest = str(directory / 'config')
    text = yaml.safe_dump(OTHER)
    with open(dest, 'w', encoding='utf-8') as f:
        f.write(text)
    refused = play(tmp_path, [_task(cluster, dest)])
    assert refused.failed
    message = task_message(refused.output)
    assert dest in message and 'cluster dev' in message and 'force=true' in message, message
    with open(dest, encoding='utf-8') as f:
        assert f.read() == text, 'the other kubeconfig is untouched'
    assert leftovers(str(directory), ['config']) == []

    forced = play(tmp_path, [_task(cluster, dest, force=True)])
    assert not forced.failed, forced.output
    with open(dest, encoding='utf-8') as f:
        assert 'dev-token-not-to-lose' not in f.read()

    again = play(tmp_path, [_task(cluster, dest)])
    assert not again.failed and 'changed=0' in again.output, 'its own file is kept without force'


def test_kubeconfig_key_never_appears_in_verbose_or_diff_output(cluster, tmp_path):
    """kubeconfig -vvv --diff shows no client key of the written kubeconfig."""
    dest = str(tmp_path / 'config')
    run = play(tmp_path, [_task(cluster, dest, merge=True)], verbosity=3, diff=True)
    assert not run.failed, run.output
    with open(dest, encoding='utf-8') as f:
        written = yaml.safe_load(f)
    keys = [user['user']['client-key-data'] for user in written['users']]
    assert keys and all(keys)
    assert_no_secret(run.output, keys)
    assert os.stat(dest).st_mode & 0o777 == 0o600
