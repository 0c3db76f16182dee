# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A raw h2 client for talos-sim's stream writer tests: it sees every DATA frame and grants flow control by hand."""

from __future__ import annotations

import asyncio
import struct
from typing import Any, Optional

from grpclib.encoding.base import CodecBase
from grpclib.server import Server
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import DataReceived, StreamEnded, StreamReset, TrailersReceived
from h2.settings import SettingCodes, Settings

METHOD = '/test.Frames/Stream'
PREFIX = 5  # gRPC's length prefix
QUIET = 0.3  # seconds without a frame after which the sender is taken to be waiting


class RawCodec(CodecBase):
    __content_subtype__ = 'proto'

    def encode(self, message: bytes, message_type: Any) -> bytes:
        return message

    def decode(self, data: bytes, message_type: Any) -> bytes:
        return data


class RawClient:
    """An h2 client that calls METHOD and sends WINDOW_UPDATE only when told to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stream_window: int,
                 connection_window: int) -> None:
        self.reader, self.writer = reader, writer
        self.connection_window = connection_window
        self.h2 = H2Connection(H2Configuration(client_side=True, header_encoding='utf-8'))
        self.h2.local_settings = Settings(client=True, initial_values={SettingCodes.INITIAL_WINDOW_SIZE: stream_window})
        self.frames: list[bytes] = []
        self.trailers: Optional[dict] = None
        self.reset = False
        self.ended = False

    async def call(self) -> None:
        self.h2.initiate_connection()
        if self.connection_window > 65535:  # HTTP/2's initial connection window; only WINDOW_UPDATE grows it
            self.h2.increment_flow_control_window(self.connection_window - 65535)
        self.h2.send_headers(1, [(':method', 'POST'), (':scheme', 'http'), (':path', METHOD),
                                 (':authority', 'test'), ('content-type', 'application/grpc'), ('te', 'trailers')])
        self.h2.send_data(1, struct.pack('>?I', False, 0), end_stream=True)
        self.flush()

    def flush(self) -> None:
        self.writer.write(self.h2.data_to_send())

    async def read_until_quiet(self) -> None:
        """Take in frames until the server sends nothing for QUIET seconds or the stream ends."""
        while not (self.ended or self.reset):
            try:
                data = await asyncio.wait_for(self.reader.read(65536), QUIET)
            except asyncio.TimeoutError:
                return
            if not data:
                return
            for event in self.h2.receive_data(data):
                if isinstance(event, DataReceived):
                    self.frames.append(event.data)
                elif isinstance(event, TrailersReceived):
                    self.trailers = dict(event.headers)
                elif isinstance(event, StreamEnded):
                    self.ended = True
                elif isinstance(event, StreamReset):
                    self.reset = True
            self.flush()  # SETTINGS and PING acknowledgements; never a WINDOW_UPDATE unless granted

    def grant(self, size: int, stream: bool = True) -> None:
        self.h2.increment_flow_control_window(size)
        if stream:
            self.h2.increment_flow_control_window(size, stream_id=1)
        self.flush()

    @property
    def received(self) -> int:
        return sum(len(frame) for frame in self.frames)


async def exchange(servables: list, stream_window: int, scenario, connection_window: int = 65535) -> RawClient:
    server = Server(servables, codec=RawCodec())
    await server.start('127.0.0.1', 0)
    port = server._server.sockets[0].getsockname()[1]  # pylint: disable=protected-access
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    client = RawClient(reader, writer, stream_window, connection_window)
    try:
        await client.call()
        await scenario(client)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()
    return client


def message_lengths(frames: list[bytes]) -> list[int]:
    """The length each gRPC prefix announces, checking that each frame is exactly one whole message."""
    lengths = []
    for frame in frames:
        compressed, length = struct.unpack('>?I', frame[:PREFIX])
        assert not compressed and len(frame) == PREFIX + length
        lengths.append(length)
    return lengths
