# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One write per turn of the event loop for an HTTP/2 connection, as grpc-go writes.

grpclib hands the transport h2's pending bytes after each step of a call (headers, each message, the trailers),
so a unary answer was three writes: three TLS records, three ``send`` calls, and three reads for the peer.
grpc-go queues a connection's frames for its one writer goroutine, which writes them into a buffered writer
and flushes it only when the queue runs empty, after yielding once to let more come when the batch is small
(internal/transport/controlbuf.go:loopyWriter.run and http_util.go:bufWriter, read at Debian's grpc-go 1.33.3):
frames produced together leave together. ``BatchedWrites`` keeps the writes made in one turn of the loop and
hands them to the transport as one at the next turn; bytes keep their order, and closing sends what is kept first.
"""

from __future__ import annotations

import asyncio
from typing import Any


class BatchedWrites:
    """An asyncio transport whose writes of one event-loop turn reach the wrapped transport as one write."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._kept: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._kept:
            self._loop.call_soon(self.flush)
        self._kept.append(data)

    def flush(self) -> None:
        if not self._kept:
            return
        data = self._kept[0] if len(self._kept) == 1 else b''.join(self._kept)
        self._kept = []
        if not self._transport.is_closing():
            self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(chunk) for chunk in self._kept)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._kept = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
