# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way to wait: call a check until it reports its condition met or the operation's deadline passes.

An operation makes one ``Deadline`` from its timeout and hands it down, so every step it waits in
(a reboot, then the config settling; a Bootstrap retried, then etcd coming up) spends the same budget
instead of starting its own clock. A check is an async callable returning a ``Poll``: met (with the
value the wait returns) or not yet (with what it saw). A check that raises ends the wait with its
error. On timeout the error names what was awaited and what was last seen. Retrying a call while it
fails in a known, harmless way (``retry``) is the same wait, with a check that calls and classifies.

Time comes from the deadline's ``Clock``: the real one, or a fake in tests so that nothing sleeps. A wait
that also hears about changes (``wake``, an asyncio.Event set by e.g. the node's events stream) looks again
as soon as one is told instead of at the next interval; the interval stays as the fallback.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.progress import Waiting

POLL_INTERVAL = 1.0
# The first call of a check gets at least this long, even when earlier steps spent the whole budget:
# a step that finished just in time is checked once rather than failed unchecked.
FIRST_LOOK = 1.0


class Clock:
    """Real time. Tests pass a fake with the same two methods."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Deadline:
    """One operation's time budget, handed down to every step that waits."""

    def __init__(self, timeout: float, clock: Optional[Clock] = None) -> None:
        self.timeout = timeout
        self.clock = clock or Clock()
        self.at = self.clock.now() + timeout

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock.now())

    def expired(self) -> bool:
        return self.clock.now() >= self.at

    def elapsed(self) -> float:
        return self.clock.now() - (self.at - self.timeout)


@dataclass
class Poll:
    """What one call of a check found: ``met`` (``value`` is what the wait returns), else what was ``seen``."""

    met: bool
    seen: str = ''
    value: Any = None


@dataclass
class Outcome:
    """How a wait ended: met or not, the last poll (None when no call answered) and how many calls were made."""

    met: bool
    last: Optional[Poll]
    polls: int


Check = Callable[[], Awaitable[Poll]]


async def pause(clock: Clock, seconds: float, wake: Optional[asyncio.Event] = None) -> None:
    """``clock.sleep(seconds)``, cut short when ``wake`` is set (at once when it is set already)."""
    if wake is None:
        await clock.sleep(seconds)
        return
    if wake.is_set():
        return
    sleeping = asyncio.ensure_future(clock.sleep(seconds))
    woken = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait((sleeping, woken), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in (sleeping, woken):
            waiter.cancel()


async def poll(check: Check, deadline: Deadline, interval: float = POLL_INTERVAL, bounded: bool = True,
               what: str = '', node: Optional[str] = None, wake: Optional[asyncio.Event] = None) -> Outcome:
    """Call ``check()`` every ``interval`` seconds until it is met or the deadline passes (after one call at least).

    ``bounded`` cuts off a call still running at the deadline: right for reads. A call that changes
    the node must not be cut off halfway (nobody would know whether it happened), so ``retry`` runs
    unbounded and the call's own RPC timeout limits it. A wait that names ``what`` it waits for (on
    ``node``) tells the task's progress channel what each unmet call saw (client/progress.py). ``wake`` set
    (by whoever hears of a change) calls again without waiting out the interval; it is cleared before each call,
    so a change told while a call runs is looked at by the next one."""
    progress = Waiting(what, node, deadline.timeout, deadline.elapsed)
    last: Optional[Poll] = None
    polls = 0
    while True:
        polls += 1
        if wake is not None:
            wake.clear()
        try:
            if bounded:
                limit = max(deadline.remaining(), FIRST_LOOK if polls == 1 else 0.0)
                current = await asyncio.wait_for(check(), limit)
            else:
                current = await check()
        except asyncio.TimeoutError:
            break
        if current.met:
            progress.met()
            return Outcome(True, current, polls)
        progress.saw(current.seen)
        last = current
        if deadline.expired():
            break
        await pause(deadline.clock, min(interval, deadline.remaining()), wake)
        if deadline.expired():
            break
    return Outcome(False, last, polls)


class WaitTimedOut(TalosError):
    """A wait ran out of time; callers that add their own context catch this, not every TalosError."""


def timed_out(what: str, deadline: Deadline, seen: str, node: Optional[str] = None) -> WaitTimedOut:
    """The error of a wait that ran out of time: what was awaited, for how long, and the last thing seen."""
    return WaitTimedOut('timed out after %.0fs waiting for %s; last seen: %s' % (deadline.timeout, what, seen),
                        code='DEADLINE_EXCEEDED', node=node)


async def wait_for(check: Check, what: str, deadline: Deadline, node: Optional[str] = None,
                   interval: float = POLL_INTERVAL, bounded: bool = True) -> Any:
    """``poll`` until met and return the met poll's value; on timeout raise ``timed_out`` with the last poll's text."""
    outcome = await poll(check, deadline, interval, bounded, what, node)
    if outcome.met:
        return outcome.last.value if outcome.last else None
    raise timed_out(what, deadline, outcome.last.seen if outcome.last else 'no answer yet', node)


def on_codes(*codes: str) -> Callable[[TalosError], bool]:
    """A ``retryable`` for ``retry``: the call failed with one of these gRPC codes."""
    return lambda exc: exc.code in codes


async def retry(what: str, call: Callable[[], Awaitable[Any]], retryable: Callable[[TalosError], bool],
                deadline: Deadline, node: Optional[str] = None,
                explain: Optional[Callable[[TalosError], str]] = None, interval: float = POLL_INTERVAL) -> Any:
    """Run ``call()``, again while it fails with an error ``retryable`` accepts and the deadline allows.

    Any other error ends the wait as it is. At the deadline the last refusal is raised as
    ``<what> refused for <timeout>s, <explain(error)>``, with the refusal's code and node."""
    async def attempt() -> Poll:
        try:
            return Poll(True, value=await call())
        except TalosError as exc:
            if not retryable(exc):
                raise
            return Poll(False, seen=explain(exc) if explain else exc.message, value=exc)

    outcome = await poll(attempt, deadline, interval, bounded=False,
                         what='%s to be accepted' % what, node=node)
    last: Poll = outcome.last  # type: ignore[assignment]  # unbounded: every attempt answers or raises
    if outcome.met:
        return last.value
    refusal: TalosError = last.value
    raise TalosError('%s refused for %.0fs, %s' % (what, deadline.timeout, last.seen),
                     code=refusal.code, node=refusal.node or node, endpoint=refusal.endpoint)
