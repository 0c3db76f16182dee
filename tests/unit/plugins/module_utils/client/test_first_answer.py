# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A read-only call's first answer within its failover window: silence, whether our deadline or the endpoint's copy
of it (a DEADLINE_EXCEEDED status) ends it, sends the read to the next endpoint; any other status is the answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils.client import transport


class Endpoint:
    address = '10.5.0.2:50000'


class Method:
    name = 'Version'


class SilentThenStatus:
    """A stream whose first message never comes: after ``after`` seconds the endpoint answers ``status``."""

    def __init__(self, status: Status, after: float) -> None:
        self.status, self.after = status, after

    async def recv_message(self) -> Any:
        await asyncio.sleep(self.after)
        raise GRPCError(self.status, 'context deadline exceeded')


def first_answer(stream: Any, window: float) -> Any:
    return asyncio.run(transport._first_answer(stream, Method, Endpoint, window))  # pylint: disable=protected-access


def test_the_endpoints_deadline_before_ours_moves_the_read_on():
    with pytest.raises(transport._TransportError) as moved:  # pylint: disable=protected-access
        first_answer(SilentThenStatus(Status.DEADLINE_EXCEEDED, 0.05), window=5)
    assert moved.value.message == 'endpoint 10.5.0.2:50000: Version: no answer within 5s'


def test_our_window_moves_the_read_on():
    with pytest.raises(transport._TransportError):  # pylint: disable=protected-access
        first_answer(SilentThenStatus(Status.DEADLINE_EXCEEDED, 5), window=0.05)


def test_any_other_status_is_the_endpoints_answer():
    with pytest.raises(GRPCError) as answered:
        first_answer(SilentThenStatus(Status.PERMISSION_DENIED, 0.05), window=5)
    assert answered.value.status is Status.PERMISSION_DENIED
