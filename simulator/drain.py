# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""grpc-go's graceful drain of one HTTP/2 server connection, on the wire.

What apid's ``Server.GracefulStop`` does to each connection (grpc-go v1.82 as pinned by Talos v1.13.9,
``internal/transport/http2_server.go:Drain`` and ``outgoingGoAwayHandler``,
``server.go:drainAllServerTransportsLocked``):
a GOAWAY with last-stream-id 2^31-1 and debug data ``graceful_stop`` followed by a PING; once the PING
is acked (or after 5 s) a second GOAWAY with the highest stream id received, after which new streams
are ignored; in-flight calls run on and the connection closes when the last one ends.

The frames are written raw: h2's ``close_connection()`` would put the connection in its CLOSED state
and forbid the in-flight streams' remaining frames.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from h2.events import PingAckReceived
from hyperframe.frame import GoAwayFrame, PingFrame

GOAWAY_PING = bytes([1, 6, 1, 8, 0, 3, 3, 9])  # grpc-go's goAwayPing payload
MAX_STREAM_ID = 2 ** 31 - 1
PING_ACK_TIMEOUT = 5.0
DEBUG_DATA = b'graceful_stop'


class Drain:
    """Drain state of one connection: grpclib's Connection and EventsProcessor, and the transport."""

    def __init__(self, connection: Any, processor: Any, transport: asyncio.BaseTransport) -> None:
        self._connection = connection
        self._processor = processor
        self._transport = transport
        self._last_stream_id: Optional[int] = None
        self._ping_acked = asyncio.Event()
        self._gone = asyncio.Event()
        acked = processor.processors[PingAckReceived]
        processor.processors[PingAckReceived] = lambda event: self._on_ping_ack(event, acked)

    def accepts(self, stream_id: int) -> bool:
        """False for a stream opened above the final GOAWAY's id (grpc-go ignores it)."""
        return self._last_stream_id is None or stream_id <= self._last_stream_id

    def lost(self) -> None:
        self._gone.set()

    def _on_ping_ack(self, event: PingAckReceived, acked: Any) -> None:
        if event.ping_data == GOAWAY_PING:
            self._ping_acked.set()
        acked(event)

    def _write(self, frame: Any) -> None:
        self._connection.flush()  # what h2 has queued goes first
        self._transport.write(frame.serialize())

    async def _until(self, event: asyncio.Event, timeout: Optional[float] = None) -> None:
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._gone.wait())]
        _done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()

    async def run(self) -> None:
        if self._gone.is_set() or self._transport.is_closing():
            return
        self._write(GoAwayFrame(0, last_stream_id=MAX_STREAM_ID, error_code=0, additional_data=DEBUG_DATA))
        self._write(PingFrame(0, opaque_data=GOAWAY_PING))
        await self._until(self._ping_acked, PING_ACK_TIMEOUT)
        if self._gone.is_set():
            return
        h2_connection = self._connection._connection  # pylint: disable=protected-access  # grpclib 0.4.x
        self._last_stream_id = h2_connection.highest_inbound_stream_id
        self._write(GoAwayFrame(0, last_stream_id=self._last_stream_id, error_code=0, additional_data=DEBUG_DATA))
        waiter = self._connection.stream_close_waiter  # set by grpclib whenever a call's stream is released
        while self._processor.streams and not self._gone.is_set():
            waiter.clear()
            await self._until(waiter)
        self._connection.flush()
        self._transport.close()
