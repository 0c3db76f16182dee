# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix: what a careful operator tries before trusting the collection with a fleet.

Every test here drives talos-sim (and its fault injection) through the real ``ansible-playbook`` and asserts
what the user sees: the message names the node, option or problem; nothing changed where nothing should; no
file is torn or left behind; no secret appears in ``-vvv`` output. docs/reliability.md lists the rows.
Helpers shared by the rows live here: playbooks are written per test (``play``) so each row reads as one piece.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import yaml

from ansible_collections.talos.linux.tests.integration.conftest import COLLECTIONS, VENV_BIN, sim, start_fleet

# Each test file sets ``pytestmark = pytest.mark.faults`` (a conftest's pytestmark marks nothing).


@dataclass
class Run:
    rc: int
    output: str

    @property
    def failed(self) -> bool:
        return self.rc != 0


def single_controlplane(tmp_path_factory, name: str):
    """A bootstrapped fleet of one control plane (for a module fixture: ``yield from``), taken down afterwards."""
    state = str(tmp_path_factory.mktemp(name))
    running = start_fleet(state, '--controlplanes', '1', '--bootstrap')
    try:
        yield running
    finally:
        sim('down', '--state-dir', state)


def play(tmp_path, tasks: list[dict[str, Any]], *, verbosity: int = 0, check: bool = False, diff: bool = False,
         hosts: str = 'localhost', inventory: str = 'localhost,', extra_vars: Optional[dict] = None,
         env: Optional[dict] = None, play_options: Optional[dict] = None, umask: Optional[int] = None) -> Run:
    """Write a one-play playbook of ``tasks`` into ``tmp_path`` and run it with the real ansible-playbook
    (under ``umask`` when given)."""
    playbook = dict({'name': 'fault matrix row', 'hosts': hosts, 'gather_facts': False}, **(play_options or {}))
    if hosts == 'localhost':
        playbook['connection'] = 'local'
    playbook['tasks'] = tasks
    path = os.path.join(str(tmp_path), 'row.yml')
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump([playbook], f, sort_keys=False)
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, path]
    if verbosity:
        cmd.append('-' + 'v' * verbosity)
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    if extra_vars:
        cmd += ['-e', json.dumps(extra_vars)]
    # As tests/integration's ansible_playbook: nothing of the caller's Ansible or Talos environment leaks in.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    environment.update({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_NOCOLOR': '1',
                        'ANSIBLE_RETRY_FILES_ENABLED': '0', 'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
                        'PATH': VENV_BIN + os.pathsep + os.environ.get('PATH', '')})
    environment.update(env or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=environment, timeout=600, check=False,
                          preexec_fn=None if umask is None else functools.partial(os.umask, umask))
    return Run(proc.returncode, proc.stdout + proc.stderr)


def run_rows(tmp_path, rows: list[dict], **options) -> list[dict]:
    """Run each task of ``rows`` (failures ignored) in one playbook; the registered result of each, in order.

    One ansible-playbook run for a whole group of rows keeps the matrix fast.
    """
    out = str(tmp_path / 'results.json')
    tasks = [dict(task, register='row%d' % index, ignore_errors=True) for index, task in enumerate(rows)]
    collect = '{{ [%s] | to_json }}' % ', '.join('row%d' % index for index in range(len(rows)))
    tasks.append({'ansible.builtin.copy': {'content': collect, 'dest': out, 'mode': '0600'}, 'check_mode': False})
    run = play(tmp_path, tasks, **options)
    assert not run.failed, run.output
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def assert_no_secret(output: str, secrets: Iterable[str]) -> None:
    """None of ``secrets`` (or their first line, for PEM blocks) appears in ``output``."""
    for secret in secrets:
        for piece in {secret.strip(), secret.strip().splitlines()[1] if '\n' in secret.strip() else ''} - {''}:
            assert piece not in output, 'secret material in the output: %s...' % piece[:24]


def leftovers(directory: str, keep: Iterable[str] = ()) -> list[str]:
    """Files in ``directory`` other than ``keep``: temp files a write left behind."""
    return sorted(set(os.listdir(directory)) - set(keep))


def task_message(output: str) -> str:
    """The ``msg`` of the first failed task in ansible-playbook's output (the user's view of the failure)."""
    match = re.search(r'"msg": "((?:[^"\\]|\\.)*)"', output)
    return match.group(1) if match else ''
