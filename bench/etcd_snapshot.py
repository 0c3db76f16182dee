#!/usr/bin/env python3
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): talos.linux.etcd_snapshot of a large etcd database on talos-sim.

Starts a one-control-plane fleet, bootstraps etcd, fills it with --size-mb MB of 1 MB random values
(bounded: at most that many keys), then streams a snapshot to a file twice:

1. through the real ansible-playbook (wall time, throughput);
2. the module's code path (TalosClient + SnapshotWriter) in a fresh Python process that reports
   its own peak RSS (ru_maxrss) and the peak of Python allocations (tracemalloc).

The snapshot must never be held in memory: peak memory stays flat whatever the database size.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
SUBNET = '127.77.38.0/24'
CP = '127.77.38.10'

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - talos.linux.bootstrap:
        talosconfig: {talosconfig}
        node: {cp}
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
    tracemalloc.start()
    start = time.monotonic()
    facts = asyncio.run(main())
    elapsed = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps(dict(facts, seconds=elapsed, traced_peak=peak,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mb', type=int, default=210, help='database size to reach, in MB (default 210)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='etcd-bench-') as work:
        state = os.path.join(work, 'state')
        sim('up', '--state-dir', state, '--controlplanes', '1', '--subnet', SUBNET)
        try:
            talosconfig = os.path.join(state, 'talosconfig')
            playbook = os.path.join(work, 'snapshot.yml')
            with open(playbook, 'w', encoding='utf-8') as f:
                f.write(PLAYBOOK.format(talosconfig=talosconfig, cp=CP, dest=os.path.join(work, 'playbook.snapshot')))
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                       PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''))
            # Bootstrap first (the playbook's bootstrap task is then a no-op), then fill.
            subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', playbook],
                           env=env, check=True, capture_output=True)
            start = time.monotonic()
            fill(args.size_mb)
            print('filled etcd with %d x 1 MB values in %.1fs' % (args.size_mb, time.monotonic() - start))

            start = time.monotonic()
            subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', playbook],
                           env=env, check=True, capture_output=True)
            wall = time.monotonic() - start
            size = os.path.getsize(os.path.join(work, 'playbook.snapshot'))
            print('ansible-playbook (bootstrap no-op + etcd_snapshot): %s in %.1fs, %.1f MB/s end to end'
                  % (mb(size), wall, size / 1e6 / wall))

            code = MEASURE.format(collections=COLLECTIONS, talosconfig=talosconfig, cp=CP,
                                  dest=os.path.join(work, 'direct.snapshot'))
            proc = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True)
            facts = json.loads(proc.stdout)
            print('module code path: %s in %.1fs = %.1f MB/s; revision %s, hash verified %s'
                  % (mb(facts['size']), facts['seconds'], facts['size'] / 1e6 / facts['seconds'],
                     facts['revision'], facts['hash_verified']))
            print('module code path peak memory: RSS %s, Python allocations (tracemalloc) %s'
                  % (mb(facts['maxrss']), mb(facts['traced_peak'])))
        finally:
            sim('down', '--state-dir', state)
    return 0


if __name__ == '__main__':
    sys.exit(main())
