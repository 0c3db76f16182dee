# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress channel: a line per change, no flood, heartbeats per task, silence without a sink."""

from __future__ import annotations

import asyncio

from ansible_collections.talos.linux.plugins.module_utils.client import progress
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_lines_say_what_changed_with_node_and_budget():
    clock, lines = FakeClock(), []
    with progress.reporting_to(lines.append, clock.now):
        waiting = progress.Waiting('the node to boot', '10.5.0.3', 600, clock.now)
        clock.t = 2
        waiting.saw('stage rebooting')
        clock.t = 4
        waiting.saw('stage rebooting')  # unchanged, long before a heartbeat: nothing
        clock.t = 12
        waiting.saw('stage booting')
        waiting.met()
    assert lines == ['10.5.0.3: waiting for the node to boot; now stage rebooting (2 s of 600 s)',
                     '10.5.0.3: waiting for the node to boot; now stage booting (12 s of 600 s)',
                     '10.5.0.3: done waiting for the node to boot (12 s of 600 s)']


def test_a_flapping_state_prints_at_most_one_line_per_gap():
    clock, lines = FakeClock(), []
    with progress.reporting_to(lines.append, clock.now):
        waiting = progress.Waiting('the node to boot', None, 60, clock.now)
        for step in range(40):  # a poll every 0.25 s for 10 s, the state changing each time
            clock.t = step * 0.25
            waiting.saw('unreachable (%s)' % ('refused' if step % 2 else 'reset'))
    assert len(lines) == 3  # at 1, 4 and 7 s
    assert lines[0] == 'waiting for the node to boot; now unreachable (reset) (1 s of 60 s)'


def test_heartbeat_at_most_once_per_interval_per_task():
    clock, lines = FakeClock(), []
    with progress.reporting_to(lines.append, clock.now):
        first = progress.Waiting('pod a to be gone', None, 300, clock.now)
        second = progress.Waiting('pod b to be gone', None, 300, clock.now)
        first.saw('terminating')
        second.saw('terminating')
        for step in range(1, 61):  # both waits polled every second for a minute
            clock.t = float(step)
            first.saw('terminating')
            second.saw('terminating')
    heartbeats = [line for line in lines if line.startswith('still waiting')]
    assert heartbeats == ['still waiting for pod a to be gone; now terminating (16 s of 300 s)',
                          'still waiting for pod a to be gone; now terminating (31 s of 300 s)',
                          'still waiting for pod a to be gone; now terminating (46 s of 300 s)']


def test_a_wait_over_within_its_first_second_prints_nothing():
    clock, lines = FakeClock(), []
    states = iter(['stage rebooting', 'stage booting'])

    async def check() -> Poll:
        seen = next(states, None)
        return Poll(seen is None, seen or '', 'up')
    with progress.reporting_to(lines.append, clock.now):
        assert asyncio.run(wait_for(check, 'the node to be up', Deadline(10, clock), '10.5.0.3', 0.25)) == 'up'
    assert lines == []


def test_the_waiter_reports_through_the_channel():
    clock, lines = FakeClock(), []
    states = iter(['stage rebooting', 'stage booting', 'stage booting'])

    async def check() -> Poll:
        seen = next(states, None)
        return Poll(seen is None, seen or '')
    with progress.reporting_to(lines.append, clock.now):
        asyncio.run(wait_for(check, 'the node to boot', Deadline(60, clock), '10.5.0.3', interval=5.0))
    assert lines == ['10.5.0.3: waiting for the node to boot; now stage booting (5 s of 60 s)',
                     '10.5.0.3: done waiting for the node to boot (15 s of 60 s)']


def test_without_a_sink_or_a_name_nothing_is_sent():
    lines: list[str] = []
    with progress.reporting_to(lines.append):
        unnamed = progress.Waiting('', '10.5.0.3', 60, float)  # a poll that names no wait
        unnamed.saw('stage booting')
    after = progress.Waiting('the node to boot', '10.5.0.3', 60, float)  # the task's sink is gone
    after.saw('stage booting')
    after.met()
    assert lines == []
