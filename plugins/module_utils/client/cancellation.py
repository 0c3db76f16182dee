# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cancellations grpclib turns into its own errors, taken off the task's count once the error is handled.

grpclib ends a call on its deadline or on a lost connection by cancelling the calling task and raising its own
error (asyncio.TimeoutError, StreamTerminatedError) in place of the CancelledError, without Task.uncancel()
(grpclib/utils.py:Wrapper.__exit__ @ 0.4.9). Python counts a task's cancellations (3.11+), and asyncio.timeout -
which asyncio.wait_for is built on from 3.12 - turns its own expiry into TimeoutError only when the count is back
where it was: a cancellation grpclib swallowed inside an enclosing wait_for makes that wait_for raise a bare
CancelledError instead, which escapes every ``except Exception`` (seen as Ansible's "A worker was found in a
dead state" when a call failed over after a lost connection). Once such an error is ours to handle, the
cancellations it stands for are forgotten.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio


def cancel_count() -> int:
    """How many cancellations of the current task are pending (0 where Python does not count them: 3.10)."""
    task = asyncio.current_task()
    return task.cancelling() if task is not None and hasattr(task, 'cancelling') else 0


def forget_swallowed(before: int) -> None:
    """Take the current task's cancellation count back to ``before``; call only while handling a non-cancel error."""
    task = asyncio.current_task()
    if task is None or not hasattr(task, 'uncancel'):
        return
    while task.cancelling() > before:
        task.uncancel()
