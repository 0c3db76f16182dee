#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): node_info on N talos-sim machines, three ways.

1. one host per machine, one node_info task each (forks 10) - how most Ansible roles would do it;
2. one node_info task that fans out to all N nodes over one connection;
3. ansible.builtin.ping on the same N hosts (forks 10) - the floor of Ansible's own per-host cost.

Prints wall-clock medians and the ratios. Run with `make bench` (or add --machines/--runs); on large fleets
(--machines 500) --fan-out-only times the one fan-out task alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)

PER_HOST = """
- hosts: talos
  gather_facts: false
  tasks:
    - talos.linux.node_info:
        talosconfig: "{{ talosconfig }}"
        nodes: ["{{ talos_node }}"]
        fail_on_unreachable: true
"""
FAN_OUT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - talos.linux.node_info:
        talosconfig: "{{ talosconfig }}"
        fail_on_unreachable: true
      register: info
    - ansible.builtin.assert:
        that: info.nodes | selectattr('reachable') | list | length == expected
"""
PING = """
- hosts: talos
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
"""


def simulator(*args: str) -> None:
    subprocess.run([sys.executable, '-m', 'simulator', *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def play(workdir: str, text: str, extra: dict, forks: int) -> float:
    path = os.path.join(workdir, 'play.yml')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build', 'collections'),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_FORKS=str(forks))
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', os.path.join(workdir, 'inventory.json'), path,
           '-e', json.dumps(extra)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        sys.exit('playbook failed:\n' + proc.stdout + proc.stderr)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=50)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--subnet', default='127.78.0.0/22', help='loopback subnet (a /22 holds 1,000 machines)')
    parser.add_argument('--fan-out-only', action='store_true', help='time only the fan-out task')
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix='talos-bench-') as workdir:
        state = os.path.join(workdir, 'fleet')
        simulator('up', '--state-dir', state, '--controlplanes', '3', '--workers', str(args.machines - 3),
                  '--subnet', args.subnet)
        try:
            with open(os.path.join(state, 'cluster.json'), encoding='utf-8') as f:
                machines = json.load(f)['machines']
            hosts = {m['name']: {'talos_node': m['address'], 'ansible_connection': 'local'} for m in machines}
            with open(os.path.join(workdir, 'inventory.json'), 'w', encoding='utf-8') as f:
                json.dump({'talos': {'hosts': hosts}, 'all': {'hosts': {'localhost': {'ansible_connection': 'local'}}}},
                          f)
            extra = {'talosconfig': os.path.join(state, 'talosconfig'), 'expected': len(machines)}
            plays = {'per_host': PER_HOST, 'fan_out': FAN_OUT, 'ping': PING}
            if args.fan_out_only:
                plays = {'fan_out': FAN_OUT}
            timings: dict[str, list[float]] = {name: [] for name in plays}
            for _ in range(args.runs):
                for name, text in plays.items():
                    timings[name].append(play(workdir, text, extra, 10))
        finally:
            simulator('down', '--state-dir', state)

    median = {name: statistics.median(values) for name, values in timings.items()}
    print('node_info on %d talos-sim machines, median of %d runs (wall clock, %d cores)'
          % (len(machines), args.runs, os.cpu_count() or 0))
    if args.fan_out_only:
        print('  one fan-out task         : %6.2f s' % median['fan_out'])
        return 0
    print('  per-host tasks, forks 10 : %6.2f s' % median['per_host'])
    print('  one fan-out task         : %6.2f s' % median['fan_out'])
    print('  ansible.builtin.ping     : %6.2f s  (same hosts, forks 10)' % median['ping'])
    print('  ratio per-host / fan-out : %6.1fx' % (median['per_host'] / median['fan_out']))
    print('  ratio per-host / ping    : %6.2fx' % (median['per_host'] / median['ping']))
    print('  ratio fan-out / ping     : %6.2fx' % (median['fan_out'] / median['ping']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
