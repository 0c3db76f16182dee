#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): what playbooks/rolling_upgrade.yml costs beyond the emulated reboots.

A fresh bootstrapped talos-sim fleet (3 control planes + 4 workers, Talos v1.14.0) per run; the rolling upgrade
to v1.14.1 through the real ansible-playbook, modules run in Ansible's worker (the default) and, interleaved,
as module processes (``talos_in_process=false``). What is left of the playbook's wall time, per node, once
Talos's own time is taken out, is the collection's overhead: plays, tasks, waits, gates.

Talos's own time is read from the fleet's log, machine by machine (talos-sim logs these steps as machined
does: v1alpha1_controller.go:Controller.run @ v1.14.0-rc.1 logs each sequence as it starts and ends,
lifecycle.go:Service.Upgrade the installer run), and taken out as the wall time during which at least one
machine was in one of them:

- the installer image pull, from ``image pull: started`` to ``image pull: done`` (ImageService.Pull; Talos
  logs the containerd pull at debug level only, talos-sim at info, so that it can be told apart);
- the installer run, from ``starting upgrade`` to ``upgrade completed`` (or ``failed``) (LifecycleService.Upgrade);
- the reboot (or upgrade) sequence, from ``<name> sequence: started`` until the machine is ``stopped``
  (machined's tasks before the reboot: stopping pods, services, unmounting);
- the reboot itself, from ``stopped`` to ``up on`` (``--reboot-delay``);
- the boot, from ``up on`` to ``boot sequence: done`` (services up, etcd started and healthy on a control plane,
  stage ``running``), which is what the upgrade waits for.

Everything else counts as overhead, Talos's work included where the log does not show it apart: the drain's
evictions and the Kubernetes node turning Ready.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from results import record

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
CONTROL_PLANES, WORKERS = 3, 4
LOG_LINE = re.compile(r'^(\S+ \S+) (?:INFO|WARNING) simulator\.(?:machine|lifecycle|handlers\.lifecycle): (\S+): '
                      r'(stopped|up on|boot sequence: done|\S+ sequence: started|image pull: (?:started|done)'
                      r'|starting upgrade|upgrade (?:completed|failed))')


def simulator(*args: str) -> None:
    subprocess.run([sys.executable, '-m', 'simulator', *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)


# Talos's own steps: the log line that ends each, its name, and the line that starts it.
STEPS = {'image pull: done': ('pull', 'image pull: started'), 'upgrade completed': ('install', 'starting upgrade'),
         'upgrade failed': ('install', 'starting upgrade'), 'stopped': ('sequence', 'sequence'),
         'up on': ('down', 'stopped'), 'boot sequence: done': ('boot', 'up on')}
STEP_NAMES = ('pull', 'install', 'sequence', 'down', 'boot')
Step = tuple[str, datetime.datetime, datetime.datetime]  # (name, start, end) on one machine


def talos_steps(log_path: str) -> list[Step]:
    """Talos's own steps (``pull``, ``install``, ``sequence`` before the reboot, ``down``, ``boot``) on every
    machine: each from its starting log line to its ending one on the same machine (see the docstring)."""
    steps: list[Step] = []
    started: dict[tuple[str, str], datetime.datetime] = {}
    with open(log_path, encoding='utf-8') as f:
        for line in f:
            match = LOG_LINE.match(line)
            if not match:
                continue
            when = datetime.datetime.strptime(match.group(1), '%Y-%m-%d %H:%M:%S,%f')
            machine, what = match.group(2), match.group(3)
            if what.endswith(' sequence: started'):
                what = 'sequence'
            elif what in STEPS:
                name, start = STEPS[what]
                since = started.pop((machine, start), None)
                if since is not None:
                    steps.append((name, since, when))
            started[(machine, what)] = when
    return steps


def covered_seconds(steps: list[Step]) -> float:
    """Wall time during which at least one machine was in one of Talos's own steps: machines of a batch reboot
    at the same time, and the playbook waits for them once."""
    total, reach = 0.0, None
    for _name, start, end in sorted(steps, key=lambda step: step[1]):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += (end - start).total_seconds()
            reach = end
    return total


def summed_seconds(steps: list[Step]) -> dict[str, float]:
    """Seconds of each step, summed over machines."""
    totals = dict.fromkeys(STEP_NAMES, 0.0)
    for name, start, end in steps:
        totals[name] += (end - start).total_seconds()
    return totals


def children_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process's ended children: ansible-playbook, its workers and module
    processes (a measure that the load of other processes on the machine does not inflate)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(workdir: str, subnet: str, in_process: bool) -> tuple[float, float, list[Step]]:
    """(wall seconds of the playbook, its CPU seconds, Talos's own steps) on a fresh fleet."""
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
        start, cpu_before = time.perf_counter(), children_cpu_seconds()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - start, children_cpu_seconds() - cpu_before
        if proc.returncode:
            sys.exit('rolling upgrade failed:\n' + proc.stdout[-4000:] + proc.stderr[-2000:])
        upgrade_log = os.path.join(workdir, 'upgrade.log')
        with open(os.path.join(state, 'sim.log'), encoding='utf-8') as f, \
                open(upgrade_log, 'w', encoding='utf-8') as out:
            f.seek(skip)
            out.write(f.read())
        return wall, cpu, talos_steps(upgrade_log)
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
    cpus: dict[bool, list[float]] = {True: [], False: []}
    steps: dict[str, list[float]] = {name: [] for name in STEP_NAMES}
    with tempfile.TemporaryDirectory(prefix='talos-bench-') as workdir:
        for _ in range(args.runs):
            for in_process in (True, False):
                wall, cpu, talos = one_run(workdir, args.subnet, in_process)
                walls[in_process].append(wall)
                cpus[in_process].append(cpu)
                overhead[in_process].append((wall - covered_seconds(talos)) / nodes)
                for step, seconds in summed_seconds(talos).items():
                    steps[step].append(seconds / nodes)
    worker, process = statistics.median(overhead[True]), statistics.median(overhead[False])
    print('rolling upgrade of %d control planes + %d workers, median of %d runs (2 cores)'
          % (CONTROL_PLANES, WORKERS, args.runs))
    print('  wall, modules in the worker           : %6.2f s' % statistics.median(walls[True]))
    print('  wall, modules as processes            : %6.2f s' % statistics.median(walls[False]))
    print('  CPU of ansible-playbook, worker       : %6.2f s' % statistics.median(cpus[True]))
    print('  CPU of ansible-playbook, processes    : %6.2f s' % statistics.median(cpus[False]))
    print("  Talos's own time per node             : %6.2f s image pull, %.2f s installer, %.2f s sequence before the"
          " reboot, %.2f s down, %.2f s boot" % tuple(statistics.median(steps[step]) for step in STEP_NAMES))
    print("  beyond Talos's time per node, worker  : %6.2f s" % worker)
    print("  beyond Talos's time per node, process : %6.2f s" % process)
    print('  ratio worker / process                : %6.2fx' % (worker / process))
    record('rolling_upgrade', per_node_worker=worker, per_node_process=process,
           wall_worker=statistics.median(walls[True]), wall_process=statistics.median(walls[False]),
           cpu_worker=statistics.median(cpus[True]), cpu_process=statistics.median(cpus[False]),
           **{'talos_%s_per_node' % step: statistics.median(seconds) for step, seconds in steps.items()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
