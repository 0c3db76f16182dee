# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long waits tell the user what they wait for while they wait (client/progress.py printed by the action
plugin), before the task's result; a module process prints none and still works."""

from __future__ import annotations

import re

import pytest

from ansible_collections.talos.linux.tests.faults.conftest import play
from ansible_collections.talos.linux.tests.integration.conftest import sim, start_fleet

REBOOT_AWAY = 3.0  # seconds a rebooting machine is away: long enough to be seen waiting for


@pytest.fixture(scope='module')
def away_fleet(tmp_path_factory):
    """v1.14: one control plane (bootstrapped), one worker; a reboot keeps a machine away for a few seconds."""
    state = str(tmp_path_factory.mktemp('progress'))
    running = start_fleet(state, '--controlplanes', '1', '--workers', '1', '--bootstrap',
                          '--reboot-delay', str(REBOOT_AWAY))
    yield running
    sim('down', '--state-dir', state)


def _task_output(output: str, task_name: str) -> str:
    """What the play printed under one task's banner, up to the next banner."""
    start = output.index('TASK [%s]' % task_name)
    end = output.find('\nTASK [', start + 1)
    return output[start:end if end >= 0 else len(output)]


def _defaults(fleet) -> dict:
    return {'module_defaults': {'group/talos.linux.talos': {'talosconfig': fleet.talosconfig}}}


def test_a_reboot_and_a_health_wait_show_their_progress_before_their_results(away_fleet, tmp_path):
    worker = away_fleet.addresses('worker')[0]
    run = play(tmp_path, [
        {'name': 'Reboot and wait', 'talos.linux.reboot': {'node': worker, 'wait_timeout': 60}},
        {'name': 'Reboot without waiting', 'talos.linux.reboot': {'node': worker, 'wait': False}},
        {'name': 'Health', 'talos.linux.health': {'checks': ['reachable', 'boot_sequence'], 'wait_timeout': 60}},
    ], play_options=_defaults(away_fleet))
    assert not run.failed, run.output

    reboot = _task_output(run.output, 'Reboot and wait')
    prefix = 'talos.linux.reboot [localhost]: %s: ' % worker
    lines = [line for line in reboot.splitlines() if line.startswith(prefix)]
    assert lines, reboot
    assert re.fullmatch(re.escape(prefix) + r'waiting for the node to come back with a new boot ID and finish booting '
                        r'\(stage running\); now .+ \(\d+ s of 60 s\)', lines[0]), lines
    assert lines[-1].startswith(prefix + 'done waiting for the node to come back')
    assert reboot.index(lines[-1]) < reboot.index('changed: [localhost]')
    # One line per state seen (rebooting, away, booting...), not one per look (four a second).
    assert len(lines) <= 2 + REBOOT_AWAY, lines

    health = _task_output(run.output, 'Health')
    waited = re.findall(r'^talos\.linux\.health \[localhost\]: waiting for health check (\w+) to pass; now .+$',
                        health, re.MULTILINE)
    assert waited, health
    done = 'talos.linux.health [localhost]: done waiting for health check %s to pass' % waited[-1]
    assert health.index(done) < health.index('ok: [localhost]')


def test_a_module_process_prints_no_progress_and_still_waits(away_fleet, tmp_path):
    worker = away_fleet.addresses('worker')[0]
    run = play(tmp_path, [
        {'name': 'Reboot and wait', 'talos.linux.reboot': {'node': worker, 'wait_timeout': 60}, 'register': 'rebooted'},
        {'ansible.builtin.assert': {'that': ['rebooted.stage == "running"',
                                             'rebooted.boot_id != rebooted.boot_id_before']}},
    ], play_options=_defaults(away_fleet), extra_vars={'talos_in_process': False}, verbosity=3)
    assert not run.failed, run.output
    assert 'AnsiballZ_reboot.py' in run.output  # it did run as a module process
    assert 'talos.linux.reboot [localhost]:' not in run.output
