#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: every benchmark in one run, then issue 20's goals as one table, each met or not.

Each benchmark prints its own lines as it goes (medians of interleaved runs, side by side with its reference)
and records its figures (bench/results.py); the table below is made of those figures only. ``--quick`` runs
fewer rounds and a smaller snapshot, to try the benchmarks out (its table is not the measurement).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import Callable, Optional

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

from results import RESULTS_ENV, load  # noqa: E402  pylint: disable=wrong-import-position

Figures = dict[str, dict[str, float]]


def runs(quick: bool) -> list[list[str]]:
    rounds = ['--runs', '2' if quick else '5']
    return [
        ['node_info_fanout.py', '--machines', '50'] + rounds,
        ['node_info_fanout.py', '--machines', '200', '--fan-out-only'] + rounds,
        ['node_info_fanout.py', '--machines', '500', '--fan-out-only', '--subnet', '127.79.0.0/22'] + rounds,
        ['etcd_snapshot.py'] + rounds + (['--size-mb', '64'] if quick else []),
        ['rolling_upgrade.py'] + (['--runs', '1'] if quick else ['--runs', '5']),
    ]


def figure(results: Figures, name: str, key: str) -> Optional[float]:
    return results.get(name, {}).get(key)


def ratio(results: Figures, name: str, top: str, bottom: str) -> Optional[float]:
    high, low = figure(results, name, top), figure(results, name, bottom)
    return None if high is None or not low else high / low


# (what, how the figure reads, the figure, the goal as text, is the goal met: None for a figure only reported)
Row = tuple[str, Callable[[Figures], Optional[float]], str, str, Optional[Callable[[float], bool]]]
ROWS: list[Row] = [
    ('node_info per host (50 hosts, forks 10) vs ansible.builtin.ping',
     lambda r: ratio(r, 'node_info_50', 'per_host', 'ping'), '%.2fx ping', '<= 0.5x', lambda v: v <= 0.5),
    ('fan-out node_info task vs the per-host tasks, 50 nodes (task wall)',
     lambda r: ratio(r, 'node_info_50', 'per_host_task', 'fan_out_task'), '%.1fx faster', '>= 20x',
     lambda v: v >= 20),
    ('  the same, whole ansible-playbook runs',
     lambda r: ratio(r, 'node_info_50', 'per_host', 'fan_out'), '%.1fx faster', '(reported)', None),
    ('fan-out node_info, 200 nodes (ansible-playbook)',
     lambda r: figure(r, 'fan_out_200', 'fan_out'), '%.2f s', '<= 2 s', lambda v: v <= 2.0),
    ('fan-out node_info, 500 nodes (ansible-playbook)',
     lambda r: figure(r, 'fan_out_500', 'fan_out'), '%.2f s', '<= 5 s', lambda v: v <= 5.0),
    ('talos-sim peak RSS with 500 machines',
     lambda r: figure(r, 'fan_out_500', 'sim_peak_rss_mb'), '%.0f MB', '<= 1024 MB', lambda v: v <= 1024),
    ('etcd_snapshot (ansible-playbook) vs etcdctl snapshot save, through talos-sim',
     lambda r: ratio(r, 'etcd_snapshot', 'playbook', 'etcdctl'), '%.2fx etcdctl', '<= 1.5x', lambda v: v <= 1.5),
    ('  the same, through a grpc-go server sending Talos\'s frames',
     lambda r: ratio(r, 'etcd_snapshot_go', 'playbook', 'etcdctl'), '%.2fx etcdctl', '<= 1.5x', lambda v: v <= 1.5),
    ('  the module code path alone (no ansible-playbook start), grpc-go server',
     lambda r: ratio(r, 'etcd_snapshot_go', 'direct', 'etcdctl'), '%.2fx etcdctl', '(reported)', None),
    ('etcd_snapshot peak RSS (module code path)',
     lambda r: figure(r, 'etcd_snapshot', 'peak_rss_mb'), '%.0f MB', '< 100 MB', lambda v: v < 100),
    ('rolling upgrade 3+4, per node beyond Talos\'s own time (sequences, reboots, boots)',
     lambda r: figure(r, 'rolling_upgrade', 'per_node_worker'), '%.2f s', '<= 1.5 s', lambda v: v <= 1.5),
]


def table(results: Figures) -> list[str]:
    lines = ['| what | measured | goal | met |', '|---|---|---|---|']
    for what, read, shape, goal, met in ROWS:
        value = read(results)
        if value is None:
            lines.append('| %s | not measured | %s | - |' % (what, goal))
        else:
            verdict = '-' if met is None else 'yes' if met(value) else 'NO'
            lines.append('| %s | %s | %s | %s |' % (what, shape % value, goal, verdict))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer rounds, a smaller snapshot (a try-out)')
    args = parser.parse_args()
    failed = []
    with tempfile.TemporaryDirectory(prefix='talos-bench-report-') as work:
        path = os.path.join(work, 'results.jsonl')
        env = dict(os.environ, **{RESULTS_ENV: path})
        for command in runs(args.quick):
            print('\n== bench/%s' % ' '.join(command), flush=True)
            if subprocess.run([sys.executable, os.path.join(BENCH, command[0])] + command[1:], env=env,
                              check=False).returncode:
                failed.append(command[0])
        kind = 'try-out, NOT the measurement' if args.quick else 'this run'
        print('\nIssue 20 goals, %s (%d cores):' % (kind, os.cpu_count() or 0))
        print('\n'.join(table(load(path))))
    if failed:
        print('failed: %s' % ', '.join(failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
