# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's readiness polls share one look at the fleet's Kubernetes API for a moment (readiness.py
_EtcdPeers.api_up_lately); Talos's health check and the API's front still look every time."""

from __future__ import annotations

from typing import Any

import pytest

from simulator import readiness


class FakeMachine:
    etcd_changes = 0  # what Machine counts on the class: every etcd membership change of any fleet

    def __init__(self, fleet: list['FakeMachine'], etcd: bool) -> None:
        self.etcd = object() if etcd else None
        self.peers = lambda: fleet


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fleet(monkeypatch):
    machines: list[FakeMachine] = []
    machines.extend([FakeMachine(machines, etcd=True), FakeMachine(machines, etcd=False),
                     FakeMachine(machines, etcd=False)])
    asked: list[Any] = []
    healthy = {'value': False}

    def etcd_healthy(machine: Any) -> bool:
        asked.append(machine)
        return healthy['value']
    clock = Clock()
    monkeypatch.setattr(readiness, '_etcd_healthy', etcd_healthy)
    monkeypatch.setattr(readiness, 'time', clock)
    monkeypatch.setattr(readiness, '_ETCD_PEERS', readiness._EtcdPeers())  # pylint: disable=protected-access
    monkeypatch.setattr(FakeMachine, 'etcd_changes', 0)
    return machines, asked, healthy, clock


def test_every_poll_within_the_moment_gets_the_first_answer(fleet):
    machines, asked, healthy, clock = fleet
    memo = readiness._ETCD_PEERS  # pylint: disable=protected-access
    assert [memo.api_up_lately(m) for m in machines] == [False] * 3
    assert asked == [machines[0]], 'one look, at the one machine with an etcd member'
    healthy['value'] = True
    clock.now += readiness.API_UP_KEPT / 2
    assert memo.api_up_lately(machines[1]) is False and len(asked) == 1
    clock.now += readiness.API_UP_KEPT
    assert memo.api_up_lately(machines[2]) is True and len(asked) == 2


def test_talos_health_and_the_front_look_every_time(fleet):
    machines, asked, healthy, _clock = fleet
    memo = readiness._ETCD_PEERS  # pylint: disable=protected-access
    assert memo.api_up_lately(machines[1]) is False
    healthy['value'] = True
    assert readiness.kubernetes_api_up(machines[1]) is True and len(asked) == 2


def test_a_change_of_etcd_members_is_looked_at_at_once(fleet):
    machines, asked, healthy, _clock = fleet
    memo = readiness._ETCD_PEERS  # pylint: disable=protected-access
    assert memo.api_up_lately(machines[0]) is False
    healthy['value'] = True
    machines[1].etcd = object()
    FakeMachine.etcd_changes += 1  # Machine counts every join or removal (machine.py)
    assert memo.api_up_lately(machines[0]) is True and len(asked) == 2, 'looked again, within the moment'
