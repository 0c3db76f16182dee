# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One task of the event loop looks at every booted machine's status every STATUS_POLL seconds, from the boot's
start until it ends or the machine stops; a machine whose look fails does not stop the others'."""

from __future__ import annotations

import asyncio

import pytest

from simulator import lifecycle

POLL = 0.01


class FakeMachine:
    def __init__(self, name: str) -> None:
        self.name = name
        self.running = True


class FakeLifecycle:
    """What the polls need of a Lifecycle: the boot watched, whether it still is, and the look itself."""

    def __init__(self, name: str, fail: bool = False) -> None:
        self.machine = FakeMachine(name)
        self.boot_id = 'boot-1'
        self.same_boot = False
        self.looks = 0
        self.fail = fail

    watching_status = lifecycle.Lifecycle.watching_status

    def refresh_status(self) -> None:
        self.looks += 1
        if self.fail:
            raise RuntimeError('broken machine')


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(lifecycle, 'STATUS_POLL', POLL)


def test_each_booted_machine_is_looked_at_at_once_then_every_poll_by_one_task():
    async def scenario() -> tuple[list[int], int]:
        polls = lifecycle._StatusPolls()  # pylint: disable=protected-access
        machines = [FakeLifecycle('a'), FakeLifecycle('b')]
        before = len(asyncio.all_tasks())
        for machine in machines:
            polls.watch(machine, machine.boot_id)
        tasks = len(asyncio.all_tasks()) - before
        await asyncio.sleep(0)
        first = [machine.looks for machine in machines]
        await asyncio.sleep(POLL * 10)
        return first + [machine.looks for machine in machines], tasks
    looks, tasks = asyncio.run(scenario())
    assert tasks == 1
    assert looks[:2] == [1, 1]  # the first look comes with the next turn of the loop, as the boot starts
    assert all(count >= 4 for count in looks[2:])


def test_looks_end_with_the_boot_or_when_the_machine_stops_and_a_failing_look_stops_only_its_machine(caplog):
    async def scenario() -> tuple[dict[str, int], dict[str, int], bool]:
        polls = lifecycle._StatusPolls()  # pylint: disable=protected-access
        rebooted, stopped, broken, healthy = (FakeLifecycle(name) for name in ('rebooted', 'stopped', 'broken', 'ok'))
        broken.fail = True
        machines = (rebooted, stopped, broken, healthy)
        for machine in machines:
            polls.watch(machine, machine.boot_id)
        await asyncio.sleep(POLL * 3)
        rebooted.boot_id = 'boot-2'  # a new boot: that one is watched anew by its own watch()
        stopped.machine.running = False
        at_change = {machine.machine.name: machine.looks for machine in machines}
        await asyncio.sleep(POLL * 10)
        after = {machine.machine.name: machine.looks for machine in machines}
        healthy.machine.running = False
        await asyncio.sleep(POLL * 3)
        return at_change, after, polls._task.done()  # pylint: disable=protected-access
    at_change, after, ended = asyncio.run(scenario())
    assert after['rebooted'] == at_change['rebooted'] and after['stopped'] == at_change['stopped']
    assert after['broken'] == 1  # its first look failed: logged, and not looked at again
    assert after['ok'] >= at_change['ok'] + 5
    assert ended  # nothing left to look at: the task ends (the next watch starts another)
    assert 'broken: status poll failed' in caplog.text


def test_a_new_event_loop_starts_afresh():
    polls = lifecycle._StatusPolls()  # pylint: disable=protected-access
    first, second = FakeLifecycle('first'), FakeLifecycle('second')

    async def watch(machine: FakeLifecycle) -> None:
        polls.watch(machine, machine.boot_id)
        await asyncio.sleep(POLL * 3)
    asyncio.run(watch(first))  # that loop closes with its task pending
    looks_then = first.looks
    asyncio.run(watch(second))
    assert second.looks >= 2 and first.looks == looks_then
