# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kill -9 in the middle of a write: the target stays whole, the temporary file is private, the next run cleans up.

Each row runs the real task through ansible-playbook. To kill it mid-write every time, not by luck, the killed run
starts Python with a ``sitecustomize`` (test-only, written here) that holds the module at its first fsync of a
hidden file in the target's directory: the temporary file exists and holds the new content, the rename has not
happened. The whole process group (ansible-playbook, its worker, the module) then gets SIGKILL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.talos.linux.tests.faults.conftest import leftovers, play, single_controlplane
from ansible_collections.talos.linux.tests.integration.conftest import COLLECTIONS, VENV_BIN

pytestmark = pytest.mark.faults

# Held at the first fsync of a hidden file in HOLD_DIR: announce it in HOLD_MARK, then wait to be killed.
HOLD_HOOK = '''
import os, time
_fsync = os.fsync
def fsync(fd):
    try:
        path = os.readlink('/proc/self/fd/%d' % fd)
    except OSError:
        path = ''
    if os.path.dirname(path) == os.environ['HOLD_DIR'] and os.path.basename(path).startswith('.'):
        with open(os.environ['HOLD_MARK'], 'w') as f:
            f.write(path)
        time.sleep(120)
    return _fsync(fd)
os.fsync = fsync
'''


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    yield from single_controlplane(tmp_path_factory, 'interrupted-writes')


def _secrets(directory: str) -> str:
    return os.path.join(directory, 'secrets.yaml')


def _tasks(name: str, cluster, directory: str, version: str) -> list[dict]:
    """The task writing ``name`` in directory; ``version`` makes its content differ from one run to the next."""
    connection = {'talosconfig': cluster.talosconfig, 'node': cluster.addresses('controlplane')[0]}
    target = os.path.join(directory, name)
    task = {
        'etcd.snapshot': {'talos.linux.etcd_snapshot': dict(connection, dest=target)},
        'kubeconfig': {'talos.linux.kubeconfig': dict(connection, dest=target, context_name=version)},
        'talosconfig': {'talos.linux.client_config': {'dest': target, 'secrets': _secrets(directory),
                                                      'context': version, 'endpoints': ['10.5.0.2']}},
        'controlplane.yaml': {'talos.linux.machine_config': {
            'secrets': _secrets(directory), 'cluster_name': version, 'cluster_endpoint': 'https://10.5.0.2:6443',
            'machine_type': 'controlplane', 'kubernetes_version': '1.33.1', 'dest': target}},
    }[name]
    return [dict(task, name='write %s' % name)]


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` (children first found, then theirs)."""
    parents = {}
    for entry in os.listdir('/proc'):
        try:
            with open('/proc/%s/stat' % entry, encoding='ascii', errors='replace') as f:
                parents[int(entry)] = int(f.read().rpartition(')')[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _killed_mid_write(tmp_path, tasks: list[dict], directory: str) -> str:
    """Run tasks, SIGKILL the whole run (module included) once the module is held mid-write; the temporary file
    it was writing."""
    hook = tmp_path / 'hook'
    hook.mkdir()
    (hook / 'sitecustomize.py').write_text(HOLD_HOOK)
    mark = str(tmp_path / 'held')
    playbook = tmp_path / 'killed.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                         'tasks': tasks}]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    env.update({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
                'PATH': VENV_BIN + os.pathsep + os.environ.get('PATH', ''), 'PYTHONPATH': str(hook),
                'HOLD_DIR': directory, 'HOLD_MARK': mark})
    proc = subprocess.Popen([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', str(playbook)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(mark) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        why = proc.stdout.read().decode() if proc.poll() is not None else 'timeout'
        assert os.path.exists(mark), 'the write was never held: %s' % why
        time.sleep(0.2)  # the hook writes the mark before sleeping: let it get there
    finally:
        for pid in [proc.pid] + _descendants(proc.pid):  # Ansible's workers run in process groups of their own
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        proc.stdout.close()
    with open(mark, encoding='utf-8') as f:
        return f.read()


WRITERS = ['etcd.snapshot', 'kubeconfig', 'talosconfig', 'controlplane.yaml']


@pytest.mark.parametrize('name', WRITERS)
def test_a_write_killed_midway_leaves_the_old_file_and_a_private_temp_that_the_next_run_removes(
        cluster, tmp_path, name):
    """A write killed with SIGKILL leaves the old file whole and a private (0600), recognisable temporary file
    next to it, which the next run of the same task removes."""
    directory = str(tmp_path / 'out')
    os.mkdir(directory)
    first = play(tmp_path, [{'talos.linux.machine_secrets': {'path': _secrets(directory)}}]
                 + _tasks(name, cluster, directory, 'one'))
    assert not first.failed, first.output
    target = os.path.join(directory, name)
    with open(target, 'rb') as f:
        old = f.read()

    temp = _killed_mid_write(tmp_path, _tasks(name, cluster, directory, 'two'), directory)

    with open(target, 'rb') as f:
        assert f.read() == old, 'the target is the old, complete file'
    assert leftovers(directory, ['secrets.yaml', name]) == [os.path.basename(temp)]
    assert re.match(r'^\.%s\.talos-tmp-' % re.escape(name), os.path.basename(temp)), temp
    assert stat.S_IMODE(os.stat(temp).st_mode) == 0o600, 'the temporary file is private'
    assert os.path.getsize(temp) > 0

    rerun = play(tmp_path, _tasks(name, cluster, directory, 'two'))
    assert not rerun.failed, rerun.output
    assert leftovers(directory, ['secrets.yaml', name]) == [], 'the next run removed the temporary file'
    if name != 'etcd.snapshot':  # an idle etcd gives the same snapshot again
        with open(target, 'rb') as f:
            assert f.read() != old, 'the rerun wrote the new content'


def test_a_temp_file_of_a_running_writer_is_left_alone(cluster, tmp_path):
    """Only temporary files whose writer is gone are removed: a concurrent run's file is left alone."""
    directory = str(tmp_path / 'out')
    os.mkdir(directory)
    secrets_run = play(tmp_path, [{'talos.linux.machine_secrets': {'path': _secrets(directory)}}])
    assert not secrets_run.failed, secrets_run.output
    from socket import gethostname  # pylint: disable=import-outside-toplevel
    host = re.sub(r'[^A-Za-z0-9.-]', '-', gethostname())[:40]
    alive = os.path.join(directory, '.controlplane.yaml.talos-tmp-%s-%d-0123abcd' % (host, os.getpid()))
    with open(alive, 'w', encoding='utf-8') as f:
        json.dump({}, f)
    run = play(tmp_path, _tasks('controlplane.yaml', cluster, directory, 'one'))
    assert not run.failed, run.output
    assert os.path.exists(alive), "a live writer's temporary file is not removed"
