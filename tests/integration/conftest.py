# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: talos-sim fleets and a real ansible-playbook run against them."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
PLAYBOOKS = os.path.join(REPO, 'tests', 'integration', 'playbooks')
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
VENV_BIN = os.path.dirname(sys.executable)
# callback_plugins/talos_return_docs.py warns with this when a talos.linux result has a key its RETURN lacks.
RETURN_DOCS = (os.path.join(REPO, 'tests', 'integration', 'callback_plugins'), 'undocumented return keys')


@dataclass
class Fleet:
    state_dir: str
    machines: list[dict]

    @property
    def talosconfig(self) -> str:
        return os.path.join(self.state_dir, 'talosconfig')

    def addresses(self, machine_type: str | None = None) -> list[str]:
        return [m['address'] for m in self.machines if machine_type in (None, m['type'])]

    def unused_address(self) -> str:
        """An address in the fleet's /24 where nothing listens."""
        return self.machines[0]['address'].rsplit('.', 1)[0] + '.250'

    def machine(self, name: str) -> dict:
        return next(m for m in self.machines if m['name'] == name)

    def ctl(self, *args: str) -> str:
        return sim('ctl', '--state-dir', self.state_dir, *args)


def sim(*args: str) -> str:
    proc = subprocess.run([sys.executable, '-m', 'simulator', *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)
    if proc.returncode:
        raise AssertionError('talos-sim %s failed (%d):\n%s%s' % (' '.join(args), proc.returncode, proc.stdout,
                                                                  proc.stderr))
    return proc.stdout


def start_fleet(state_dir: str, *args: str) -> Fleet:
    """``up`` a fleet; without --subnet, on a free random loopback /24 (runs in parallel don't collide)."""
    if '--subnet' in args:
        sim('up', '--state-dir', state_dir, *args)
    else:
        for attempt in range(8):
            subnet = '127.%d.%d.0/24' % (random.randint(100, 199), random.randint(0, 255))
            try:
                sim('up', '--state-dir', state_dir, '--subnet', subnet, *args)
                break
            except AssertionError as exc:
                if 'already in use' not in str(exc) or attempt == 7:
                    raise
    with open(os.path.join(state_dir, 'cluster.json'), encoding='utf-8') as f:
        return Fleet(state_dir, json.load(f)['machines'])


@pytest.fixture(scope='session')
def fleet(tmp_path_factory):
    """A running v1.14 cluster: 2 control planes, 1 worker, etcd bootstrapped (every machine in stage running)."""
    state = str(tmp_path_factory.mktemp('fleet'))
    running = start_fleet(state, '--controlplanes', '2', '--workers', '1', '--bootstrap')
    yield running
    sim('down', '--state-dir', state)


@dataclass
class PlaybookRun:
    rc: int
    output: str


def ansible_playbook(name: str, extra_vars: dict | None = None, env: dict | None = None,
                     check: bool = False, inventory: str = 'localhost,') -> PlaybookRun:
    """Run tests/integration/playbooks/<name> with the real ansible-playbook (on localhost by default)."""
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, os.path.join(PLAYBOOKS, name)]
    if extra_vars:
        cmd += ['-e', json.dumps(extra_vars)]
    if check:
        cmd.append('--check')
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    run_env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'PATH': VENV_BIN + os.pathsep + os.environ.get('PATH', ''),
        'ANSIBLE_CALLBACK_PLUGINS': RETURN_DOCS[0],
    })
    run_env.update(env or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=run_env, timeout=600, check=False)
    assert RETURN_DOCS[1] not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return PlaybookRun(proc.returncode, proc.stdout + proc.stderr)


def assert_ok(run: PlaybookRun) -> None:
    assert run.rc == 0, run.output
