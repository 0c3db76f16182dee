# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cancellation grpclib turns into its own error must not break the enclosing timeout (Python 3.11+)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from grpclib.exceptions import StreamTerminatedError
from grpclib.utils import Wrapper

from ansible_collections.talos.linux.plugins.module_utils.client.cancellation import cancel_count, forget_swallowed

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason='Python 3.10 does not count cancellations')


async def _lost_connection_then_failover(balance: bool) -> None:
    """grpclib's real Wrapper ends a call on a lost connection; the caller handles it and moves on too long."""
    wrapper = Wrapper()

    async def call() -> None:
        with wrapper:
            await asyncio.sleep(10)

    before = cancel_count()
    asyncio.get_running_loop().call_later(0.01, wrapper.cancel, StreamTerminatedError('Connection lost'))
    async with asyncio.timeout(0.2):  # the enclosing deadline, as asyncio.wait_for sets it from Python 3.12
        try:
            await call()
        except StreamTerminatedError:
            if balance:
                forget_swallowed(before)
        await asyncio.sleep(5)  # the next endpoint does not answer either


def test_grpclibs_swallowed_cancellation_breaks_the_enclosing_timeout_without_the_fix():
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(_lost_connection_then_failover(balance=False))


def test_forgetting_it_gives_the_enclosing_timeout_its_timeout_error():
    with pytest.raises(TimeoutError):
        asyncio.run(_lost_connection_then_failover(balance=True))


def test_a_pending_cancellation_of_the_caller_is_kept():
    async def scenario() -> int:
        task = asyncio.current_task()
        task.cancel()  # the caller's own, not yet delivered
        forget_swallowed(task.cancelling())
        return task.cancelling()

    async def main() -> int:
        return await asyncio.create_task(scenario())

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
