# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files that hold key material are 0600 whatever the umask, and concurrent applies to one node leave it on one
whole configuration."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.talos.linux.tests.faults.conftest import leftovers, play
from ansible_collections.talos.linux.tests.integration.conftest import COLLECTIONS
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture
from ansible_collections.talos.linux.tests.integration.simulator.test_apply_sim import _config

pytestmark = pytest.mark.faults


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--bootstrap')


def _talosconfig(cluster) -> str:
    return os.path.join(cluster.state_dir, 'talosconfig')


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_with_key_material_are_private_under_umask_000(cluster, tmp_path):
    """Under umask 000 the secrets bundle, machine config, talosconfig, kubeconfig and etcd snapshot are written
    0600, and nothing else is left in their directory."""
    out = str(tmp_path / 'out')
    os.mkdir(out)
    connection = {'talosconfig': _talosconfig(cluster), 'node': cluster.address('talos-cp-1')}
    secrets = os.path.join(out, 'secrets.yaml')
    tasks = [
        {'talos.linux.machine_secrets': {'dest': secrets}},
        {'talos.linux.machine_config': {'secrets': secrets, 'cluster_name': 'umask', 'machine_type': 'worker',
                                        'cluster_endpoint': 'https://10.5.0.2:6443', 'kubernetes_version': '1.33.1',
                                        'dest': os.path.join(out, 'worker.yaml')}},
        {'talos.linux.client_config': {'path': os.path.join(out, 'talosconfig'), 'secrets': secrets,
                                       'context': 'umask', 'endpoints': ['10.5.0.2']}},
        {'talos.linux.kubeconfig': dict(connection, dest=os.path.join(out, 'kubeconfig'))},
        {'talos.linux.etcd_snapshot': dict(connection, dest=os.path.join(out, 'etcd.snapshot'))},
    ]
    run = play(tmp_path, tasks, umask=0o000)
    assert not run.failed, run.output
    written = ['secrets.yaml', 'worker.yaml', 'talosconfig', 'kubeconfig', 'etcd.snapshot']
    assert {name: oct(_mode(os.path.join(out, name))) for name in written} == {name: '0o600' for name in written}
    assert leftovers(out, written) == []


def _apply_hostname(cluster, tmp_path, hostname: str, check: bool = False) -> subprocess.Popen:
    """ansible-playbook applying the worker's config with ``hostname`` patched in, started (not waited for)."""
    playbook = tmp_path / ('apply-%s.yml' % hostname)
    playbook.write_text('''- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - talos.linux.apply_config:
        talosconfig: %s
        node: %s
        src: %s
        patches: [{machine: {network: {hostname: %s}}}]
        mode: no_reboot
''' % (_talosconfig(cluster), cluster.address('talos-worker-1'), tmp_path / 'worker.yaml', hostname))
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    env.update({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_PYTHON_INTERPRETER': sys.executable})
    cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', str(playbook)]
    return subprocess.Popen(cmd + (['--check'] if check else []), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    output = proc.stdout.read()
    return proc.wait(timeout=300), output


def test_concurrent_applies_to_one_node_leave_one_whole_config(cluster, tmp_path):
    """Two playbook runs applying different configs to one node at the same moment both end cleanly (applied, or
    refused with a message), and the node runs one of the two configs whole: check mode finds exactly one of them
    already in place."""
    (tmp_path / 'worker.yaml').write_text(_config(cluster, machine='talos-worker-1'))
    runs = [_apply_hostname(cluster, tmp_path, name) for name in ('concurrent-a', 'concurrent-b')]
    outcomes = [_finish(proc) for proc in runs]
    for code, output in outcomes:
        assert code == 0 or '"msg": "' in output, output
        assert 'Traceback' not in output, output
    assert any(code == 0 for code, _output in outcomes), outcomes
    checks = [_finish(_apply_hostname(cluster, tmp_path, name, check=True))
              for name in ('concurrent-a', 'concurrent-b')]
    in_place = [output for code, output in checks if code == 0 and 'changed=0' in output]
    assert len(in_place) == 1, checks
