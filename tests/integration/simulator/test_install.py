# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim installed with pip runs from anywhere: ``talos-sim --help``, then a one-machine up/down.

The temporary venv gets no dependency from the network (``--no-deps``): a .pth file lends it the project
venv's site-packages. The wire code comes from the collection found through ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))


def _run(cmd: list[str], cwd: str, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, '%s failed:\n%s%s' % (' '.join(cmd), proc.stdout, proc.stderr)
    return proc


def test_pip_installed_talos_sim_runs_outside_the_repo(tmp_path):
    venv = tmp_path / 'venv'
    # no pip/setuptools of its own: the project venv's (a .pth lends them) install into it with --python
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=120)
    python = str(venv / 'bin' / 'python')
    site = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, 'project-venv.pth'), 'w', encoding='utf-8') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'ANSIBLE_COLLECTIONS_PATH')}
    env['PIP_NO_INDEX'] = '1'
    env['HOME'] = str(tmp_path / 'home')  # no collection installed under ~/.ansible of whoever runs the tests
    work = tmp_path / 'elsewhere'
    work.mkdir()
    source = tmp_path / 'src'  # a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    shutil.copytree(os.path.join(REPO, 'simulator'), str(source / 'simulator'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copy(os.path.join(REPO, 'pyproject.toml'), str(source))
    (source / 'docs').mkdir()
    shutil.copy(os.path.join(REPO, 'docs', 'talos-sim.md'), str(source / 'docs'))
    _run([sys.executable, '-m', 'pip', '--python', python, 'install', '-q', '--no-deps', '--no-build-isolation',
          str(source)], str(work), env)
    talos_sim = str(venv / 'bin' / 'talos-sim')
    without = subprocess.run([talos_sim, '--help'], cwd=str(work), env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert without.returncode != 0 and 'ANSIBLE_COLLECTIONS_PATH' in without.stderr, 'no collection: clear error'
    env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(REPO, '.build', 'collections')
    assert 'up' in _run([talos_sim, '--help'], str(work), env).stdout
    state = str(tmp_path / 'state')
    _run([talos_sim, 'up', '--state-dir', state, '--controlplanes', '1', '--subnet', '127.211.9.0/24'], str(work), env)
    try:
        assert os.path.isfile(os.path.join(state, 'talosconfig'))
    finally:
        _run([talos_sim, 'down', '--state-dir', state], str(work), env)
