# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as a user gets it: the tarball ``ansible-galaxy collection build`` makes, and a venv holding
only ansible-core and the tarball's requirements.txt (cached under .build/, keyed by what goes into it)."""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from importlib.metadata import version

from ansible_collections.talos.linux.tests.integration.conftest import REPO, VENV_BIN

CLEAN_VENVS = os.path.join(REPO, '.build', 'clean-venv')
READY = 'ready'


def run(cmd: list[str], cwd: str | None = None, env: dict | None = None, timeout: int = 300) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, '%s failed (%d):\n%s%s' % (' '.join(cmd), proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def isolated_env(home: str) -> dict[str, str]:
    """This process's environment without Ansible, Talos or Python settings, and with its own HOME: no
    collection from ~/.ansible or ANSIBLE_COLLECTIONS_PATH, no talosconfig of whoever runs the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS', 'PYTHON', 'VIRTUAL_ENV'))}
    os.makedirs(home, exist_ok=True)
    env.update(HOME=home, ANSIBLE_NOCOLOR='1')
    return env


def build_tarball(dest: str) -> str:
    """Build the checkout's collection into dest; the tarball's path."""
    run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', dest, REPO])
    built = glob.glob(os.path.join(dest, 'talos-linux-*.tar.gz'))
    assert len(built) == 1, built
    return built[0]


def tarball_files(tarball: str) -> set[str]:
    """Paths of the regular files in the tarball."""
    with tarfile.open(tarball) as tar:
        return {member.name for member in tar.getmembers() if member.isfile()}


def tarball_text(tarball: str, name: str) -> str:
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(name)
        assert member is not None, name
        return member.read().decode('utf-8')


def clean_venv(requirements: str) -> str:
    """A venv with this test run's ansible-core and the given requirements.txt only; its bin directory.

    Built once per (Python, ansible-core, requirements) under .build/clean-venv/ (outside git and the tarball);
    a lock keeps concurrent test runs from building the same one twice. A venv cannot be moved (its scripts
    name their interpreter), so it is built in place and marked ready last: a half-built one is rebuilt."""
    core = 'ansible-core==%s' % version('ansible-core')
    key = hashlib.sha256('\n'.join((sys.version, core, requirements)).encode()).hexdigest()[:16]
    venv = os.path.join(CLEAN_VENVS, key)
    os.makedirs(CLEAN_VENVS, exist_ok=True)
    with open(venv + '.lock', 'w', encoding='ascii') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(os.path.join(venv, READY)):
            shutil.rmtree(venv, ignore_errors=True)
            run([sys.executable, '-m', 'venv', venv], timeout=300)
            with open(os.path.join(venv, 'requirements.txt'), 'w', encoding='utf-8') as f:
                f.write(requirements)
            # the environment of this test run stays out of pip's way (PYTHONPATH, an active venv)
            env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
            run([os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--disable-pip-version-check',
                 core, '-r', os.path.join(venv, 'requirements.txt')], env=env, timeout=1200)
            with open(os.path.join(venv, READY), 'w', encoding='ascii') as f:
                f.write(core + '\n')
    return os.path.join(venv, 'bin')
