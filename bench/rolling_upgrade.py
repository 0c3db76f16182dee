#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): what playbooks/rolling_upgrade.yml costs beyond the emulated reboots.

A fresh bootstrapped talos-sim fleet (3 control planes + 4 workers, Talos v1.14.0) per run; the rolling upgrade
to v1.14.1 through the real ansible-playbook, modules run in Ansible's worker (the default) and, interleaved,
as module processes (``talos_in_process=false``). The time machines are down is read from the fleet's log
(``stopped`` to ``up``); what is left, per node, is the collection's overhead: plays, tasks, waits, gates.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
CONTROL_PLANES, WORKERS = 3, 4
LOG_LINE = re.compile(r'^(\S+ \S+) INFO simulator\.machine: (\S+): (stopped|up on)')


def simulator(*args: str) -> None:
    subprocess.run([sys.executable, '-m', 'simulator', *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def down_seconds(log_path: str) -> float:
    """Seconds machines spent down (from each ``stopped`` to the next ``up on``), summed over machines."""
    stopped: dict[str, datetime.datetime] = {}
    total = 0.0
    with open(log_path, encoding='utf-8') as f:
        for line in f:
            match = LOG_LINE.match(line)
            if not match:
                continue
            when = datetime.datetime.strptime(match.group(1), '%Y-%m-%d %H:%M:%S,%f')
            if match.group(3) == 'stopped':
                stopped[match.group(2)] = when
            elif match.group(2) in stopped:
                total += (when - stopped.pop(match.group(2))).total_seconds()
    return total


def one_run(workdir: str, subnet: str, in_process: bool) -> tuple[float, float]:
    """(wall seconds of the playbook, seconds machines were down) on a fresh fleet."""
    state = os.path.join(workdir, 'fleet-%s' % in_process)
    simulator('up', '--state-dir', state, '--controlplanes', str(CONTROL_PLANES), '--workers', str(WORKERS),
              '--bootstrap', '--reboot-delay', '0.3', '--subnet', subnet)
    try:
        with open(os.path.join(state, 'cluster.json'), encoding='utf-8') as f:
            machines = json.load(f)['machines']
        groups: dict[str, dict] = {'controlplane': {'hosts': {}}, 'worker': {'hosts': {}}}
        for machine in machines:
            group = 'controlplane' if machine['type'] == 'controlplane' else 'worker'
            groups[group]['hosts'][machine['name']] = {'talos_node': machine['address']}
        inventory = {'all': {'vars': {'ansible_connection': 'local',
                                      'ansible_python_interpreter': sys.executable,
                                      'talos_talosconfig': os.path.join(state, 'talosconfig')},
                             'children': groups}}
        inventory_path = os.path.join(workdir, 'inventory.json')
        with open(inventory_path, 'w', encoding='utf-8') as f:
            json.dump(inventory, f)
        with open(os.path.join(state, 'sim.log'), encoding='utf-8') as f:
            skip = len(f.read())  # only the upgrade's reboots count
        extra = {'talos_rolling_upgrade_version': 'v1.14.1', 'talos_rolling_upgrade_worker_batch': 2,
                 'talos_in_process': in_process}
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build', 'collections'))
        cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory_path,
               os.path.join(REPO, 'playbooks', 'rolling_upgrade.yml'), '-e', json.dumps(extra)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if proc.returncode:
            sys.exit('rolling upgrade failed:\n' + proc.stdout[-4000:] + proc.stderr[-2000:])
        upgrade_log = os.path.join(workdir, 'upgrade.log')
        with open(os.path.join(state, 'sim.log'), encoding='utf-8') as f, \
                open(upgrade_log, 'w', encoding='utf-8') as out:
            f.seek(skip)
            out.write(f.read())
        return wall, down_seconds(upgrade_log)
    finally:
        simulator('down', '--state-dir', state)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--subnet', default='127.81.0.0/24')
    args = parser.parse_args()
    nodes = CONTROL_PLANES + WORKERS
    overhead: dict[bool, list[float]] = {True: [], False: []}
    walls: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix='talos-bench-') as workdir:
        for _ in range(args.runs):
            for in_process in (True, False):
                wall, down = one_run(workdir, args.subnet, in_process)
                walls[in_process].append(wall)
                overhead[in_process].append((wall - down) / nodes)
    worker, process = statistics.median(overhead[True]), statistics.median(overhead[False])
    print('rolling upgrade of %d control planes + %d workers, median of %d runs (2 cores)'
          % (CONTROL_PLANES, WORKERS, args.runs))
    print('  wall, modules in the worker      : %6.2f s' % statistics.median(walls[True]))
    print('  wall, modules as processes       : %6.2f s' % statistics.median(walls[False]))
    print('  beyond reboots per node, worker  : %6.2f s' % worker)
    print('  beyond reboots per node, process : %6.2f s' % process)
    print('  ratio worker / process           : %6.2fx' % (worker / process))
    return 0


if __name__ == '__main__':
    sys.exit(main())
