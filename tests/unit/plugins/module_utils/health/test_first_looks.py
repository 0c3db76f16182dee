# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_checks: the API-side checks look together first, and a first look taken before an earlier check had to
wait is not what a check is judged on."""

from __future__ import annotations

import asyncio
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.health import health
from ansible_collections.talos.linux.plugins.module_utils.health.checks import Cluster, Problem

CLUSTER = Cluster(['10.5.0.2'], ['10.5.0.3'])
NAMES = ['reachable', 'boot_sequence', 'etcd', 'services']


class Checks:
    """Fake API checks: each answers from its script (a list of problem lists) and records when it ran."""

    def __init__(self, monkeypatch: Any, scripts: dict[str, list[list[Problem]]]) -> None:
        self.scripts = scripts
        self.calls: list[str] = []
        self.running = 0
        self.most_at_once = 0
        monkeypatch.setattr(health, 'POLL_INTERVAL', 0.01)
        monkeypatch.setattr(health, 'API_CHECKS', {name: self._check(name) for name in NAMES})

    def _check(self, name: str) -> Any:
        async def check(client: Any, cluster: Cluster) -> list[Problem]:
            del client, cluster
            self.calls.append(name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            await asyncio.sleep(0.01)
            self.running -= 1
            script = self.scripts.get(name) or [[]]
            return script.pop(0) if len(script) > 1 else script[0]
        return check


def run(names: list[str]) -> list[dict[str, Any]]:
    return asyncio.run(health.run_checks(None, CLUSTER, names, 10))  # type: ignore[arg-type]


def test_a_gate_that_passes_looks_at_every_check_at_once(monkeypatch):
    checks = Checks(monkeypatch, {})
    results = run(NAMES)
    assert [result['status'] for result in results[:4]] == ['passed'] * 4
    assert sorted(checks.calls) == sorted(NAMES) and checks.most_at_once == 4
    assert all(result['attempts'] == 1 for result in results[:4])


def test_after_a_check_had_to_wait_the_later_ones_look_again(monkeypatch):
    down = Problem('10.5.0.3', 'stage booting, not ready')
    checks = Checks(monkeypatch, {'boot_sequence': [[down], []], 'etcd': [[Problem('10.5.0.2', 'stale')], []]})
    results = run(NAMES)
    assert [result['status'] for result in results[:4]] == ['passed'] * 4
    assert results[1]['attempts'] == 2
    # etcd's first look (a failure) was taken before boot_sequence passed: it is looked at again, and passes.
    assert checks.calls.count('etcd') == 2 and results[2]['attempts'] == 1


def test_the_first_failing_check_ends_the_run_and_later_ones_are_not_run(monkeypatch):
    real_deadline = health.Deadline

    def short_deadline(timeout: float) -> Any:
        del timeout
        return real_deadline(0.05)

    monkeypatch.setattr(health, 'Deadline', short_deadline)
    Checks(monkeypatch, {'reachable': [[Problem('10.5.0.3', 'connection refused')]]})
    results = run(NAMES)
    assert [result['status'] for result in results[:4]] == ['failed', 'not_run', 'not_run', 'not_run']
    assert results[0]['nodes'] == ['10.5.0.3']
