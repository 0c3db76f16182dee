# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's readiness polls share one look at the fleet's Kubernetes API for a moment (readiness.py
_EtcdPeers.api_up_lately); Talos's health check and the API's front still look every time."""

from __future__ import annotations

import pytest

from simulator import readiness


class FakeMachine:
    etcd_changes = 0  # what Machine counts on the class: every etcd membership change of any fleet

    def __init__(self, fleet: list['FakeMachine'], etcd: bool) -> None:
        self.etcd = object() if etcd else None
        self.peers = lambda: fleet


class Fleet:
    """Three fake machines, one with an etcd member; a fake clock; every look at a machine's etcd health counted."""

    def __init__(self) -> None:
        self.machines: list[FakeMachine] = []
        self.machines.extend([FakeMachine(self.machines, etcd=True), FakeMachine(self.machines, etcd=False),
                              FakeMachine(self.machines, etcd=False)])
        self.asked: list[FakeMachine] = []
        self.healthy = False
        self.now = 1000.0
        self.memo = readiness._EtcdPeers()  # pylint: disable=protected-access

    def monotonic(self) -> float:  # the clock readiness.py reads
        return self.now

    def etcd_healthy(self, machine: FakeMachine) -> bool:
        self.asked.append(machine)
        return self.healthy

    def look(self, index: int) -> bool:
        """What machine ``index``'s readiness poll finds of the API."""
        return self.memo.api_up_lately(self.machines[index])


@pytest.fixture
def fleet(monkeypatch):
    fake = Fleet()
    monkeypatch.setattr(readiness, '_etcd_healthy', fake.etcd_healthy)
    monkeypatch.setattr(readiness, 'time', fake)
    monkeypatch.setattr(readiness, '_ETCD_PEERS', fake.memo)
    monkeypatch.setattr(FakeMachine, 'etcd_changes', 0)
    return fake


def test_every_poll_within_the_moment_gets_the_first_answer(fleet):
    assert [fleet.look(i) for i in range(3)] == [False] * 3
    assert fleet.asked == [fleet.machines[0]], 'one look, at the one machine with an etcd member'
    fleet.healthy = True
    fleet.now += readiness.API_UP_KEPT / 2
    assert fleet.look(1) is False and len(fleet.asked) == 1
    fleet.now += readiness.API_UP_KEPT
    assert fleet.look(2) is True and len(fleet.asked) == 2


def test_talos_health_and_the_front_look_every_time(fleet):
    assert fleet.look(1) is False
    fleet.healthy = True
    assert readiness.kubernetes_api_up(fleet.machines[1]) is True and len(fleet.asked) == 2


def test_a_change_of_etcd_members_is_looked_at_at_once(fleet):
    assert fleet.look(0) is False
    fleet.healthy = True
    fleet.machines[1].etcd = object()
    FakeMachine.etcd_changes += 1  # Machine counts every join or removal (machine.py)
    assert fleet.look(0) is True and len(fleet.asked) == 2, 'looked again, within the moment'
