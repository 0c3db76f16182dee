#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): node_info on N talos-sim machines, three ways.

1. one host per machine, one node_info task each (forks 10) - how most Ansible roles would do it;
2. one node_info task that fans out to all N nodes over one connection;
3. ansible.builtin.ping on the same N hosts (forks 10) - the floor of Ansible's own per-host cost.

Prints wall-clock medians and the ratios, each node_info task's own wall time (bench/callback_plugins/task_timer.py:
the playbook's time less ansible-playbook's start), and the CPU seconds of ansible-playbook (with its workers) and
of talos-sim, which share this machine's cores. Run with `make bench` (or add --machines/--runs); on large fleets
(--machines 500) --fan-out-only times the one fan-out task alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
VENV_BIN = os.path.dirname(sys.executable)
sys.path.insert(0, BENCH)

from results import record  # noqa: E402  pylint: disable=wrong-import-position

NODE_INFO_TASK = 'node_info'

PER_HOST = """
- hosts: talos
  gather_facts: false
  tasks:
    - name: node_info
      talos.linux.node_info:
        talosconfig: "{{ talosconfig }}"
        nodes: ["{{ talos_node }}"]
        fail_on_unreachable: true
"""
FAN_OUT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: node_info
      talos.linux.node_info:
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    with open('/proc/%d/stat' % pid, encoding='ascii') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def peak_rss_mb(pid: int) -> float:
    with open('/proc/%d/status' % pid, encoding='ascii') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return 0.0


def play(workdir: str, text: str, extra: dict, forks: int, sim_pid: int) -> dict[str, float]:
    """Run the playbook: its wall time, the node_info task's, and the CPU of ansible-playbook and of talos-sim."""
    path = os.path.join(workdir, 'play.yml')
    times = os.path.join(workdir, 'task-times.json')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build', 'collections'),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_FORKS=str(forks),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH, 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='task_timer', TALOS_BENCH_TASK_TIMES=times)
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', os.path.join(workdir, 'inventory.json'), path,
           '-e', json.dumps(extra)]
    cpu, sim_cpu, start = children_cpu(), process_cpu(sim_pid), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        sys.exit('playbook failed:\n' + proc.stdout + proc.stderr)
    with open(times, encoding='utf-8') as f:
        task = json.load(f).get(NODE_INFO_TASK, 0.0)
    return {'wall': elapsed, 'task': task, 'cpu': children_cpu() - cpu, 'sim_cpu': process_cpu(sim_pid) - sim_cpu}


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
            with open(os.path.join(state, 'sim.pid'), encoding='ascii') as f:
                sim_pid = int(f.read())
            plays = {'per_host': PER_HOST, 'fan_out': FAN_OUT, 'ping': PING}
            if args.fan_out_only:
                plays = {'fan_out': FAN_OUT}
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in plays}
            for _ in range(args.runs):
                for name, text in plays.items():
                    runs[name].append(play(workdir, text, extra, 10, sim_pid))
            sim_rss = peak_rss_mb(sim_pid)
        finally:
            simulator('down', '--state-dir', state)

    median = {name: {key: statistics.median(run[key] for run in values) for key in values[0]}
              for name, values in runs.items()}
    print('node_info on %d talos-sim machines, median of %d runs (wall clock; CPU seconds of ansible-playbook '
          'and of talos-sim; %d cores)' % (len(machines), args.runs, os.cpu_count() or 0))
    described = {'per_host': 'per-host tasks, forks 10', 'fan_out': 'one fan-out task',
                 'ping': 'ansible.builtin.ping'}
    for name, figures in median.items():
        task = '' if name == 'ping' else ', node_info task %5.2f s' % figures['task']
        print('  %-24s : %6.2f s%s; CPU ansible %5.2f s, talos-sim %5.2f s'
              % (described[name], figures['wall'], task, figures['cpu'], figures['sim_cpu']))
    print('  talos-sim peak RSS       : %6.0f MB' % sim_rss)
    if args.fan_out_only:
        record('fan_out_%d' % len(machines), fan_out=median['fan_out']['wall'], fan_out_task=median['fan_out']['task'],
               ansible_cpu=median['fan_out']['cpu'], sim_cpu=median['fan_out']['sim_cpu'], sim_peak_rss_mb=sim_rss)
        return 0
    per_host, fan_out, ping = median['per_host'], median['fan_out'], median['ping']
    print('  ratio per-host / fan-out : %6.1fx (playbooks), %.1fx (node_info tasks)'
          % (per_host['wall'] / fan_out['wall'], per_host['task'] / fan_out['task']))
    print('  ratio per-host / ping    : %6.2fx' % (per_host['wall'] / ping['wall']))
    print('  ratio fan-out / ping     : %6.2fx' % (fan_out['wall'] / ping['wall']))
    record('node_info_%d' % len(machines), per_host=per_host['wall'], fan_out=fan_out['wall'], ping=ping['wall'],
           per_host_task=per_host['task'], fan_out_task=fan_out['task'], sim_peak_rss_mb=sim_rss)
    return 0


if __name__ == '__main__':
    sys.exit(main())
