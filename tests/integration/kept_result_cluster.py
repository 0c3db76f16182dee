# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bootstrapped talos-sim cluster and a playbook that runs one task and keeps its registered result in a file, so
a test reads what a module returned (also when it failed) through the real ansible-playbook; and kubectl's JSON.

Shared by the Kubernetes upgrade tests (test_kubernetes_upgrade.py, test_kubernetes_manifests.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from typing import Any, Iterator, NamedTuple

from ansible_collections.talos.linux.tests.integration.conftest import (
    Fleet, ansible_playbook, assert_ok, sim, start_fleet)

KUBECTL = shutil.which('kubectl')


class KeptResultCluster(NamedTuple):
    fleet: Fleet
    playbook: str  # the playbook that keeps its task's result in the file named by the extra var ``out``
    kubeconfig: str  # an admin kubeconfig fetched through the Talos API
    work: str


@contextmanager
def kept_result_cluster(tmp_path_factory: Any, name: str, playbook_text: str,
                        *fleet_args: str) -> Iterator[KeptResultCluster]:
    """A bootstrapped fleet started with ``fleet_args`` and ``playbook_text`` written beside it; stopped after."""
    state = str(tmp_path_factory.mktemp('%s-fleet' % name))
    work = str(tmp_path_factory.mktemp('%s-files' % name))
    fleet = start_fleet(state, '--bootstrap', *fleet_args)
    try:
        playbook = os.path.join(work, '%s.yml' % name)
        with open(playbook, 'w', encoding='utf-8') as f:
            f.write(playbook_text)
        kubeconfig = os.path.join(work, 'kubeconfig')
        assert_ok(ansible_playbook('kubeconfig_fetch.yml', {'talosconfig': fleet.talosconfig, 'dest': kubeconfig}))
        wait_nodes_ready(kubeconfig, len(fleet.addresses()))
        yield KeptResultCluster(fleet, playbook, kubeconfig, work)
    finally:
        sim('down', '--state-dir', state)


def wait_nodes_ready(kubeconfig: str, count: int, timeout: float = 60.0) -> None:
    """Until the API answers and lists ``count`` Ready nodes: a bootstrapped fleet's API comes up a moment after
    Talos issues the kubeconfig."""
    deadline = time.monotonic() + timeout
    while True:
        proc = subprocess.run([KUBECTL, '--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json'],
                              capture_output=True, text=True, timeout=60, check=False)
        nodes = json.loads(proc.stdout)['items'] if proc.returncode == 0 else []
        ready = [n for n in nodes if any(c['type'] == 'Ready' and c['status'] == 'True'
                                         for c in n['status'].get('conditions') or [])]
        if len(ready) == count:
            return
        assert time.monotonic() < deadline, 'no %d Ready nodes after %.0fs: %s' % (count, timeout, proc.stderr)
        time.sleep(0.2)


def run_kept(cluster: KeptResultCluster, check: bool = False, **extra_vars: Any) -> dict[str, Any]:
    """Run the cluster's playbook (the play itself must pass; the task's own failure is in the result) and return
    the result it kept."""
    out = os.path.join(cluster.work, 'result.json')
    assert_ok(ansible_playbook(cluster.playbook, dict(extra_vars, talosconfig=cluster.fleet.talosconfig, out=out),
                               check=check))
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def kubectl(kubeconfig: str, *args: str, output: bool = True) -> Any:
    """kubectl's JSON (``output``), else its text; a failed command fails the test with kubectl's words."""
    command = [KUBECTL, '--kubeconfig', kubeconfig, *args] + (['-o', 'json'] if output else [])
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if output else proc.stdout
