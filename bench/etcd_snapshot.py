#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): talos.linux.etcd_snapshot of a large etcd database on talos-sim, beside etcdctl.

Starts a one-control-plane fleet, bootstraps etcd, fills it with --size-mb MB of 1 MB random values
(bounded: at most that many keys), then takes the same snapshot to a file three ways, interleaved, --runs times:

1. ``etcdctl snapshot save`` straight from the member (etcd's own client: the reference);
2. the module's code path (TalosClient + SnapshotWriter, through talos-sim's apid and machined) in a fresh
   Python process that reports its wall time, its CPU time and its peak RSS (ru_maxrss);
3. a playbook with the one talos.linux.etcd_snapshot task, through the real ansible-playbook.

Prints the medians and their ratios to etcdctl, then one more module run under tracemalloc for the peak of
Python allocations: the snapshot must never be held in memory, so peak memory stays flat whatever its size.

talos-sim is Python on the same cores: serving 1 KiB messages costs it more CPU than the client spends, so the
same three ways are then measured against the grpc-go server of the interop tests (bench/goserver.py) relaying
the SAME etcd's snapshot in Talos's frames (-etcd): Go doing machined's EtcdSnapshot work (real Talos also
proxies it through apid, a second Go hop this stand-in leaves out).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

from goserver import GoServer
from results import record

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
SUBNET = '127.77.38.0/24'
CP = '127.77.38.10'

ETCDCTL = shutil.which('etcdctl')

BOOTSTRAP = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - talos.linux.bootstrap:
        talosconfig: {talosconfig}
        node: {cp}
"""
SNAPSHOT = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - talos.linux.etcd_snapshot:
        talosconfig: {talosconfig}
        node: {cp}
        dest: {dest}
"""

MEASURE = textwrap.dedent("""
    import asyncio, json, resource, sys, time, tracemalloc
    sys.path.insert(0, {collections!r})
    from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
    from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
    from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import take_snapshot
    options = dict(talosconfig={talosconfig!r}, context=None, endpoints=None, ca=None, crt=None, key=None,
                   insecure=False, cert_fingerprint=None, timeout=600.0, nodes=None)
    async def main():
        async with TalosClient(settings_from_options(options)) as client:
            return await take_snapshot(client, {cp!r}, {dest!r})
    if {traced!r}:
        tracemalloc.start()
    start, cpu = time.monotonic(), time.process_time()
    facts = asyncio.run(main())
    elapsed, cpu = time.monotonic() - start, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if {traced!r} else None
    print(json.dumps(dict(facts, seconds=elapsed, cpu_seconds=cpu, traced_peak=peak,
                          maxrss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
""")


def sim(*args: str) -> None:
    subprocess.run([sys.executable, '-m', 'simulator', *args], cwd=REPO, check=True, capture_output=True, text=True)


def fill(size_mb: int) -> None:
    value = base64.b64encode(os.urandom(1000 * 1000)).decode()

    def put(index: int) -> None:
        body = json.dumps({'key': base64.b64encode(b'bench/%06d' % index).decode(), 'value': value}).encode()
        request = urllib.request.Request('http://%s:2379/v3/kv/put' % CP, body, method='POST')
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(size_mb)))


def mb(size: float) -> str:
    return '%.1f MB' % (size / 1e6)


def timed(command: list[str], **kwargs) -> float:
    start = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.monotonic() - start


def module_code_path(talosconfig: str, dest: str, traced: bool = False) -> dict:
    code = MEASURE.format(collections=COLLECTIONS, talosconfig=talosconfig, cp=CP, dest=dest, traced=traced)
    proc = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True)
    return json.loads(proc.stdout)


def report(name: str, seconds: list[float], size: int, reference: float | None, extra: str = '') -> None:
    median = statistics.median(seconds)
    ratio = ' = %.2fx etcdctl' % (median / reference) if reference else ''
    runs = ' '.join('%.2f' % value for value in seconds)
    print('%-40s median %6.2fs (%5.0f MB/s)%s%s   runs: %s' % (name, median, size / 1e6 / median, ratio, extra, runs))


def go_server_ways(work: str, env: dict, ansible_playbook: list[str], runs: int) -> None:
    """etcdctl, the module code path and the playbook against the grpc-go server in front of the same etcd."""
    directory = os.path.join(work, 'go')
    os.mkdir(directory)
    server = GoServer(directory, '-etcd', 'http://%s:2379' % CP)
    try:
        playbook_path = os.path.join(directory, 'snapshot.yml')
        with open(playbook_path, 'w', encoding='utf-8') as f:
            f.write(SNAPSHOT.format(talosconfig=server.talosconfig, cp=CP,
                                    dest=os.path.join(directory, 'playbook.snapshot')))
        etcdctl, direct, cpu, rss, playbook, size = [], [], [], [], [], 0
        for _run in range(runs):
            if ETCDCTL:
                etcdctl.append(timed([ETCDCTL, '--endpoints', 'http://%s:2379' % CP, 'snapshot', 'save',
                                      os.path.join(directory, 'etcdctl.snapshot')], env=dict(env, ETCDCTL_API='3')))
            facts = module_code_path(server.talosconfig, os.path.join(directory, 'direct.snapshot'))
            direct.append(facts['seconds'])
            cpu.append(facts['cpu_seconds'])
            rss.append(facts['maxrss'])
            size = facts['size']
            playbook.append(timed(ansible_playbook + [playbook_path], env=env))
        server_cpu = server.cpu_seconds()
    finally:
        server.stop()
    reference = statistics.median(etcdctl) if etcdctl else None
    print('against the grpc-go server (%s, Talos\'s 1 KiB frames) in front of the same etcd: snapshot of %s, '
          'medians of %d interleaved runs:' % (server.address, mb(size), runs))
    if etcdctl:
        report('etcdctl snapshot save (etcd direct)', etcdctl, size, None)
    report('module code path via grpc-go server', direct, size, reference,
           ', client CPU %.2fs, peak RSS %s' % (statistics.median(cpu), mb(max(rss))))
    report('ansible-playbook via grpc-go server', playbook, size, reference)
    print('grpc-go server CPU: %.2fs per snapshot served (%d served)' % (server_cpu / (2 * runs), 2 * runs))
    record('etcd_snapshot_go', size_mb=size / 1e6, etcdctl=reference, direct=statistics.median(direct),
           playbook=statistics.median(playbook), client_cpu=statistics.median(cpu), peak_rss_mb=max(rss) / 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mb', type=int, default=210, help='database size to reach, in MB (default 210)')
    parser.add_argument('--runs', type=int, default=5, help='interleaved runs of each way (default 5)')
    args = parser.parse_args()
    if ETCDCTL is None:
        print('etcdctl is not installed (Debian: etcd-client): no reference to compare with')
    with tempfile.TemporaryDirectory(prefix='etcd-bench-') as work:
        state = os.path.join(work, 'state')
        sim('up', '--state-dir', state, '--controlplanes', '1', '--subnet', SUBNET)
        try:
            talosconfig = os.path.join(state, 'talosconfig')
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                       PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''))
            playbooks = {}
            for name, text in (('bootstrap', BOOTSTRAP), ('snapshot', SNAPSHOT)):
                playbooks[name] = os.path.join(work, name + '.yml')
                with open(playbooks[name], 'w', encoding='utf-8') as f:
                    f.write(text.format(talosconfig=talosconfig, cp=CP, dest=os.path.join(work, 'playbook.snapshot')))
            ansible_playbook = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,']
            subprocess.run(ansible_playbook + [playbooks['bootstrap']], env=env, check=True, capture_output=True)
            start = time.monotonic()
            fill(args.size_mb)
            print('filled etcd with %d x 1 MB values in %.1fs' % (args.size_mb, time.monotonic() - start))

            etcdctl, direct, cpu, playbook, size = [], [], [], [], 0
            for _run in range(args.runs):
                if ETCDCTL:
                    etcdctl.append(timed([ETCDCTL, '--endpoints', 'http://%s:2379' % CP, 'snapshot', 'save',
                                          os.path.join(work, 'etcdctl.snapshot')], env=dict(env, ETCDCTL_API='3')))
                facts = module_code_path(talosconfig, os.path.join(work, 'direct.snapshot'))
                direct.append(facts['seconds'])
                cpu.append(facts['cpu_seconds'])
                size = facts['size']
                playbook.append(timed(ansible_playbook + [playbooks['snapshot']], env=env))
            reference = statistics.median(etcdctl) if etcdctl else None
            print('against talos-sim (%s, Python) in front of its etcd: snapshot of %s, medians of %d '
                  'interleaved runs:' % (CP, mb(size), args.runs))
            if etcdctl:
                report('etcdctl snapshot save', etcdctl, size, None)
            report('module code path (client + writer)', direct, size, reference,
                   ', client CPU %.2fs' % statistics.median(cpu))
            report('ansible-playbook (etcd_snapshot task)', playbook, size, reference)

            facts = module_code_path(talosconfig, os.path.join(work, 'direct.snapshot'), traced=True)
            print('module code path peak memory: RSS %s, Python allocations (tracemalloc) %s; hash verified %s, '
                  'revision %s' % (mb(facts['maxrss']), mb(facts['traced_peak']), facts['hash_verified'],
                                   facts['revision']))
            record('etcd_snapshot', size_mb=size / 1e6, etcdctl=reference, direct=statistics.median(direct),
                   playbook=statistics.median(playbook), client_cpu=statistics.median(cpu),
                   peak_rss_mb=facts['maxrss'] / 1e6)
            go_server_ways(work, env, ansible_playbook, args.runs)
        finally:
            sim('down', '--state-dir', state)
    return 0


if __name__ == '__main__':
    sys.exit(main())
