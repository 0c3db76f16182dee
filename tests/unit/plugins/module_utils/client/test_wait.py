# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waiter (client.wait) on a fake clock: no test sleeps, so every count and time is exact."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client import wait
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import Observation, wait_node
from ansible_collections.talos.linux.plugins.module_utils.client.wait import (Clock, Deadline, Poll, WaitTimedOut,
                                                                              on_codes, poll, retry, wait_for)


class FakeClock(Clock):
    """Time moves only when the waiter sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.time = 100.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


class Script:
    """A check answering from a list: each item is a Poll to return or an exception to raise."""

    def __init__(self, clock: FakeClock, answers: list[Any], takes: float = 0.0) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.takes = takes  # fake seconds each call spends
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        self.clock.time += self.takes
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_condition_met_at_once_returns_its_value_without_sleeping(clock):
    check = Script(clock, [Poll(True, value='up')])
    assert run(wait_for(check, 'the thing', Deadline(10, clock))) == 'up'
    assert check.calls == 1 and clock.sleeps == []


def test_condition_met_after_n_polls_sleeps_the_interval_between(clock):
    check = Script(clock, [Poll(False, 'booting')] * 3 + [Poll(True, value=4)])
    outcome = run(poll(check, Deadline(10, clock), interval=2.0))
    assert outcome.met and outcome.last.value == 4 and outcome.polls == 4
    assert clock.sleeps == [2.0, 2.0, 2.0] and clock.time == 106.0


def test_deadline_passing_names_what_was_awaited_and_the_last_seen_state(clock):
    check = Script(clock, [Poll(False, 'stage booting'), Poll(False, 'unreachable (connection refused)')])
    with pytest.raises(WaitTimedOut) as caught:  # its own type, so callers can add context to a timeout alone
        run(wait_for(check, 'the node to come back', Deadline(5, clock), node='10.5.0.2', interval=2.0))
    error = caught.value
    assert error.message == ('timed out after 5s waiting for the node to come back; '
                             'last seen: unreachable (connection refused)')
    assert error.code == 'DEADLINE_EXCEEDED' and error.node == '10.5.0.2'
    # Polls at 0, 2 and 4; the last sleep stops at the deadline instead of overshooting it.
    assert check.calls == 3 and clock.sleeps == [2.0, 2.0, 1.0] and clock.time == 105.0


def test_a_check_error_ends_the_wait_at_once(clock):
    failure = TalosError('the node rebooted into Talos v1.12.0, not v1.13.0', node='10.5.0.2')
    check = Script(clock, [Poll(False, 'rebooting'), failure, Poll(True)])
    with pytest.raises(TalosError) as caught:
        run(wait_for(check, 'the upgrade', Deadline(60, clock)))
    assert caught.value is failure and check.calls == 2 and clock.time == 101.0


def test_nested_steps_share_one_deadline(clock):
    deadline = Deadline(10, clock)
    first = Script(clock, [Poll(False, 'rebooting')] * 7 + [Poll(True)])
    run(wait_for(first, 'the reboot', deadline))  # spends 7 of the 10 seconds
    second = Script(clock, [Poll(False, 'the running configuration differs')])
    with pytest.raises(TalosError) as caught:
        run(wait_for(second, 'the config to settle', deadline))
    # The second step had only the 3 seconds left, and the error counts the operation's whole budget.
    assert second.calls == 3 and clock.time == 110.0
    assert caught.value.message.startswith('timed out after 10s waiting for the config to settle')


def test_a_step_after_the_budget_is_spent_still_looks_once(clock):
    deadline = Deadline(5, clock)
    clock.time += 6  # an earlier step overran
    check = Script(clock, [Poll(True, value='ready')])
    assert run(wait_for(check, 'the node', deadline)) == 'ready' and check.calls == 1 and clock.sleeps == []


def test_a_check_taking_time_spends_the_budget(clock):
    check = Script(clock, [Poll(False, 'slow')], takes=2.0)
    outcome = run(poll(check, Deadline(5, clock), interval=1.0))
    # Calls at 0 (ends 2), 3 (ends 5): the deadline passed during the second call, no third.
    assert not outcome.met and outcome.polls == 2 and clock.time == 105.0


def test_a_check_never_answering_is_cut_off_at_the_deadline(monkeypatch):
    async def hangs() -> Poll:
        await asyncio.Event().wait()
        return Poll(True)

    # A spent budget still gives the first call FIRST_LOOK; shortened here so that the real cut-off is quick.
    monkeypatch.setattr(wait, 'FIRST_LOOK', 0.01)
    with pytest.raises(TalosError) as caught:
        run(wait_for(hangs, 'an answer', Deadline(0.0)))
    assert caught.value.message == 'timed out after 0s waiting for an answer; last seen: no answer yet'


def refusal(text: str = 'time is not in sync yet', code: str = 'FAILED_PRECONDITION') -> TalosError:
    return TalosError(text, code=code, node='10.5.0.2')


def test_retry_calls_again_while_the_code_is_retryable(clock):
    call = Script(clock, [refusal(), refusal(), 'bootstrapped'])
    result = run(retry('Bootstrap', call, on_codes('FAILED_PRECONDITION'), Deadline(30, clock)))
    assert result == 'bootstrapped' and call.calls == 3 and clock.sleeps == [1.0, 1.0]


def test_retry_stops_at_once_on_another_code(clock):
    denied = refusal('not authorized', 'PERMISSION_DENIED')
    call = Script(clock, [refusal(), denied])
    with pytest.raises(TalosError) as caught:
        run(retry('Bootstrap', call, on_codes('FAILED_PRECONDITION'), Deadline(30, clock)))
    assert caught.value is denied and call.calls == 2


def test_retry_at_the_deadline_names_the_call_the_budget_and_the_last_refusal(clock):
    call = Script(clock, [refusal('bootstrap is not available yet'), refusal()])
    with pytest.raises(TalosError) as caught:
        run(retry('Bootstrap', call, on_codes('FAILED_PRECONDITION'), Deadline(8, clock),
                  explain=lambda exc: 'precondition not met: %s' % exc.message))
    error = caught.value
    assert error.message == 'Bootstrap refused for 8s, precondition not met: time is not in sync yet'
    assert (error.code, error.node) == ('FAILED_PRECONDITION', '10.5.0.2')
    assert call.calls == 8 and clock.time == 108.0  # calls at 0..7, then the deadline


def test_retry_classifies_by_message(clock):
    unhealthy = refusal('etcdserver: unhealthy cluster', 'UNKNOWN')
    call = Script(clock, [unhealthy])
    with pytest.raises(TalosError) as caught:
        run(retry('EtcdLeaveCluster', call, lambda exc: 'unhealthy cluster' in exc.message, Deadline(3, clock)))
    assert caught.value.message == 'EtcdLeaveCluster refused for 3s, etcdserver: unhealthy cluster'
    assert caught.value.code == 'UNKNOWN' and call.calls == 3


class FakeWatcher:
    def __init__(self, last: Optional[str] = None, failure: Optional[dict[str, Any]] = None) -> None:
        self.last = {'type': 'TaskEvent'} if last else None
        self.failure = failure
        self.text = last
        self.changed = asyncio.Event()

    def describe(self) -> str:
        return self.text or 'no event seen'


def test_node_wait_reports_the_last_observation_and_the_last_event(clock):
    async def look() -> Observation:
        clock.time += 0.5
        return Observation(False, error='connection refused')

    watcher: Any = FakeWatcher(last='task stopAllServices started')
    with pytest.raises(TalosError) as caught:
        run(wait_node(look, lambda seen: seen.reachable, 'the node to come back', Deadline(4, clock), '10.5.0.2',
                      watcher))
    assert caught.value.message == ('timed out after 4s waiting for the node to come back; last seen: unreachable '
                                    '(connection refused); last event: task stopAllServices started')


def test_node_wait_ends_on_a_failed_sequence(clock):
    async def look() -> Observation:
        return Observation(True, stage='running')

    watcher: Any = FakeWatcher(failure={'sequence': 'reboot', 'error': 'task failed', 'error_code': 'INTERNAL'})
    with pytest.raises(TalosError) as caught:
        run(wait_node(look, lambda seen: False, 'the node to reboot', Deadline(60, clock), '10.5.0.2', watcher))
    assert caught.value.message == 'the node to reboot: task failed' and clock.sleeps == []


def test_a_wake_looks_again_without_waiting_out_the_interval(clock):
    wake = asyncio.Event()
    answers = [Poll(False, 'stage booting'), Poll(True, value='running')]

    async def check() -> Poll:
        wake.set()  # told of a change while this call runs
        return answers.pop(0)

    outcome = run(poll(check, Deadline(60, clock), interval=5, wake=wake))
    assert outcome.met and outcome.polls == 2 and clock.sleeps == []


def test_without_a_wake_the_interval_is_the_fallback(clock):
    wake = asyncio.Event()
    check = Script(clock, [Poll(False, 'stage booting'), Poll(False, 'stage booting'), Poll(True)])
    outcome = run(poll(check, Deadline(60, clock), interval=0.25, wake=wake))
    assert outcome.met and clock.sleeps == [0.25, 0.25]


def test_a_wake_cuts_a_real_sleep_short():
    async def scenario() -> float:
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, wake.set)
        started = loop.time()
        await wait.pause(Clock(), 30.0, wake)
        return loop.time() - started

    assert run(scenario()) < 5.0
