# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's proxy relay of a server stream: a grpclib target behind a grpclib proxy, read by a raw h2 client."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server

from ansible_collections.talos.linux.tests.unit.simulator.h2_raw_client import (
    METHOD, PREFIX, RawClient, RawCodec, exchange, message_lengths)
from simulator.quiet_channel import QuietChannel
from simulator.stream_relay import relay_problem, relay_replies, whole_messages

MESSAGES = 300  # of sizes 0..299 * 7 bytes: boundaries everywhere in the reads


class _Target:
    """Sends MESSAGES messages through grpclib's own send_message, then ``status``."""

    def __init__(self, status: Status) -> None:
        self.status = status

    def __mapping__(self) -> dict[str, Handler]:
        return {METHOD: Handler(self.serve, Cardinality.UNARY_STREAM, bytes, bytes)}

    async def serve(self, stream: Any) -> None:
        await stream.recv_message()
        for index in range(MESSAGES):
            await stream.send_message(bytes([index % 256]) * (index * 7))
        if self.status is not Status.OK:
            raise GRPCError(self.status, 'target failed')


class _Proxy:
    """Forwards METHOD to the target with ``relay_replies``, as simulator.proxy does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.problem: Optional[str] = 'not called'

    def __mapping__(self) -> dict[str, Handler]:
        return {METHOD: Handler(self.serve, Cardinality.UNARY_STREAM, bytes, bytes)}

    async def serve(self, stream: Any) -> None:
        request = await stream.recv_message()
        channel = QuietChannel('127.0.0.1', self.port, codec=RawCodec())
        try:
            async with channel.request(METHOD, Cardinality.UNARY_STREAM, bytes, bytes) as out:
                await out.send_message(request, end=True)
                self.problem = relay_problem(out, stream)
                await relay_replies(out, stream)
                await out.recv_trailing_metadata()
        finally:
            channel.close()


def _relayed(status: Status) -> tuple[_Proxy, RawClient]:
    async def run() -> tuple[_Proxy, RawClient]:
        target = Server([_Target(status)], codec=RawCodec())
        await target.start('127.0.0.1', 0)
        proxy = _Proxy(target._server.sockets[0].getsockname()[1])  # pylint: disable=protected-access

        async def scenario(client: RawClient) -> None:
            while not client.ended:
                await client.read_until_quiet()
        try:
            return proxy, await exchange([proxy], 1 << 20, scenario, connection_window=1 << 20)
        finally:
            target.close()
            await target.wait_closed()
    return asyncio.run(run())


@pytest.mark.parametrize('cut', [0, 3, 5, 7])
def test_whole_messages_keeps_an_incomplete_one_for_later(cut):
    messages = [b'\x00\x00\x00\x00\x02ab', b'\x00\x00\x00\x00\x00', b'\x00\x00\x00\x00\x03xyz']
    data = b''.join(messages) + messages[2][:cut]
    assert whole_messages(data) == (messages, messages[2][:cut])


def test_each_relayed_message_is_one_data_frame_with_the_targets_bytes():
    proxy, client = _relayed(Status.OK)
    assert proxy.problem is None  # fails when grpclib moved what the relay reads: the proxy would be slow again
    assert message_lengths(client.frames) == [index * 7 for index in range(MESSAGES)]
    assert [frame[PREFIX:] for frame in client.frames[1:]] == [
        bytes([index % 256]) * (index * 7) for index in range(1, MESSAGES)]
    assert client.trailers == {'grpc-status': '0'}


def test_the_targets_error_reaches_the_caller_after_its_messages():
    _proxy, client = _relayed(Status.NOT_FOUND)
    assert len(client.frames) == MESSAGES
    assert client.trailers == {'grpc-status': str(Status.NOT_FOUND.value), 'grpc-message': 'target failed'}
