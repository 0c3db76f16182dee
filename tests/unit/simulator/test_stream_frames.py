# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's batch writer of server-stream messages, read frame by frame by a raw h2 client over loopback."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from grpclib.const import Cardinality, Handler

from ansible_collections.talos.linux.tests.unit.simulator.h2_raw_client import (
    METHOD, PREFIX, RawClient, exchange, message_lengths)
from simulator.stream_frames import FrameWriter, writer_problem

MESSAGE = 1024  # bytes per message, Talos's snapshot chunk


class _Service:
    """Sends ``batches`` lists of ``MESSAGE``-byte messages through FrameWriter; records how it ended."""

    def __init__(self, batches: int, per_batch: int) -> None:
        self.batches, self.per_batch = batches, per_batch
        self.problem: Optional[str] = 'not called'
        self.batches_sent = 0
        self.ended: Optional[BaseException] = None
        self.finished = asyncio.Event()

    def __mapping__(self) -> dict[str, Handler]:
        return {METHOD: Handler(self.serve, Cardinality.UNARY_STREAM, bytes, bytes)}

    async def serve(self, stream: Any) -> None:
        await stream.recv_message()
        self.problem = writer_problem(stream)
        writer = FrameWriter(stream)
        try:
            for batch in range(self.batches):
                await writer.send([bytes([batch % 256]) * MESSAGE] * self.per_batch)
                self.batches_sent += 1
        except BaseException as exc:
            self.ended = exc
            raise
        finally:
            self.finished.set()


def test_the_library_internals_the_writer_needs_are_where_it_looks():
    """Fails when grpclib or h2 moved them: talos-sim then sends snapshots through grpclib, slowly."""
    service = _Service(batches=1, per_batch=1)

    async def scenario(client: RawClient) -> None:
        await client.read_until_quiet()
    client = asyncio.run(exchange([service], 65535, scenario))
    assert service.problem is None
    assert client.trailers is not None and client.trailers.get('grpc-status') == '0'


def test_something_else_than_a_grpclib_stream_says_what_is_missing():
    assert writer_problem(object()) == "grpclib's server Stream._stream has no _h2_connection"


def test_each_message_is_one_data_frame_and_the_stream_ends_with_grpc_status_0():
    service = _Service(batches=3, per_batch=40)

    async def scenario(client: RawClient) -> None:
        await client.read_until_quiet()
        while not client.ended:
            client.grant(200000)
            await client.read_until_quiet()
    client = asyncio.run(exchange([service], 1 << 20, scenario, connection_window=1 << 20))
    assert message_lengths(client.frames) == [MESSAGE] * 120
    assert [frame[PREFIX] for frame in client.frames] == [0] * 40 + [1] * 40 + [2] * 40
    assert client.trailers == {'grpc-status': '0'}


@pytest.mark.parametrize('stream_window', [3000, 100, 1 << 20])
def test_no_more_than_the_window_is_sent_until_the_client_updates_it(stream_window):
    """A 3000 or 100 byte stream window, or the 65,535 bytes of the connection's: nothing beyond it until a
    WINDOW_UPDATE; a message larger than what is left is cut there, as grpc-go cuts it."""
    service = _Service(batches=2, per_batch=100)  # 205,800 bytes, more than twice any of the windows
    window = min(stream_window, 65535)
    seen: list[int] = []

    async def scenario(client: RawClient) -> None:
        await client.read_until_quiet()
        seen.append(client.received)
        client.grant(window)
        await client.read_until_quiet()
        seen.append(client.received)
        assert not service.finished.is_set()  # still waiting for the window, not failed
    asyncio.run(exchange([service], stream_window, scenario))
    assert seen == [window, 2 * window]


def test_a_stream_reset_by_the_client_stops_the_writer():
    service = _Service(batches=1000, per_batch=32)

    async def scenario(client: RawClient) -> None:
        await client.read_until_quiet()
        assert 0 < client.received <= 65535
        client.h2.reset_stream(1)
        client.flush()
        await asyncio.wait_for(service.finished.wait(), 5)
        before = client.received
        client.grant(1 << 24, stream=False)
        await client.read_until_quiet()
        assert client.received == before
    asyncio.run(exchange([service], 1 << 20, scenario))
    assert service.batches_sent < 1000 and service.ended is not None
