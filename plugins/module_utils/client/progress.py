# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of long waits: what a wait is waiting for, told while it waits, not only when it ends.

Every wait goes through client.wait's waiter, which hands each state it sees to a ``Waiting``. Lines go to
the sink installed for the running task (``reporting_to``): the action plugin installs one that prints
through Ansible's Display when the module runs inside Ansible's worker. A module process (delegation to
another host, become, async) has no sink: its stdout is its JSON result, so nothing can be shown while it
runs, and reporting costs nothing there.

What is printed, so that a wait of minutes says what it waits for without flooding:
- nothing during a wait's first ``QUIET_START`` seconds: most waits end by then and need no news;
- a line when what the wait sees changes (a stage, a reason), at most one per ``CHANGE_GAP`` seconds per wait
  (a state that flaps is shown as it is at the end of the gap);
- a heartbeat while nothing changes, at most one per ``HEARTBEAT`` seconds per task;
- one closing line when a wait that printed something ends met (a timeout is the task's own error).
Lines carry the node's address, states and seconds; never
secrets (what a wait sees comes from node states and error messages, not from keys or configs).

Kept in client/ beside the waiter that reports through it; the Ansible side is only the sink.
Private module: free to change between releases.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

QUIET_START = 1.0
CHANGE_GAP = 3.0
HEARTBEAT = 15.0

Sink = Callable[[str], None]


class Channel:
    """One task's sink and when it last printed (the heartbeat limit is per task, not per wait)."""

    def __init__(self, sink: Sink, now: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.now = now
        self.last_line = now()

    def send(self, line: str) -> None:
        self.last_line = self.now()
        self.sink(line)


# The channel of the task running in this process, if it can show anything (see reporting_to).
_CURRENT: dict[str, Optional[Channel]] = {'channel': None}


@contextmanager
def reporting_to(sink: Sink, now: Callable[[], float] = time.monotonic) -> Iterator[Channel]:
    """Send the progress lines of the waits run while this lasts to ``sink``."""
    previous = _CURRENT['channel']
    channel = Channel(sink, now)
    _CURRENT['channel'] = channel
    try:
        yield channel
    finally:
        _CURRENT['channel'] = previous


class Waiting:
    """One wait's reports: ``saw`` at each look that found the condition unmet, ``met`` when it is met.

    ``elapsed`` gives the seconds spent of the operation's budget ``timeout`` (one deadline for all its steps).
    """

    def __init__(self, what: str, node: Optional[str], timeout: float, elapsed: Callable[[], float]) -> None:
        self.what = what
        self.node = node
        self.timeout = timeout
        self.elapsed = elapsed
        self.channel = _CURRENT['channel'] if what else None
        self.shown: Optional[str] = None  # the last state printed
        self.shown_at = 0.0
        self.started = self.channel.now() if self.channel is not None else 0.0

    def saw(self, seen: str) -> None:
        channel = self.channel
        if channel is None:
            return
        now = channel.now()
        if now - self.started < QUIET_START:
            return
        if seen != self.shown and (self.shown is None or now - self.shown_at >= CHANGE_GAP):
            self._send(channel, 'waiting for %s; now %s' % (self.what, seen or 'not yet'))
            self.shown, self.shown_at = seen, now
        elif now - channel.last_line >= HEARTBEAT:
            self._send(channel, 'still waiting for %s; now %s' % (self.what, seen or 'not yet'))

    def met(self) -> None:
        if self.channel is not None and self.shown is not None:
            self._send(self.channel, 'done waiting for %s' % self.what)

    def _send(self, channel: Channel, text: str) -> None:
        place = '%s: ' % self.node if self.node else ''
        channel.send('%s%s (%.0f s of %.0f s)' % (place, text, self.elapsed(), self.timeout))
