# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apid's proxy relaying a server stream's replies without decoding them, one DATA frame per message.

apid forwards reply messages as raw bytes (siderolabs/grpc-proxy's codec, internal/app/apid/pkg/director @ v1.13.9)
and grpc-go writes each in a DATA frame of its own (simulator.stream_frames). talos-sim's proxy otherwise receives
each message through grpclib (two buffer reads, a protobuf decode, a WINDOW_UPDATE write per frame) and sends it
again through grpclib, ~60 us per message: on a snapshot's 250k messages that is seconds of the fleet's CPU. Here
the target's bytes are taken as they arrive, cut at message boundaries and written to the caller a read at a
time with ``FrameWriter``; the target's window is given back once they are written, so memory stays bounded by it.

This reads grpclib 0.4.x's client stream internals: ``relay_problem`` says which moved (the proxy then relays
through grpclib, slower), and a unit test fails while it says anything.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncIterator, Optional

from grpclib.exceptions import StreamTerminatedError

from simulator.stream_frames import FrameWriter, writer_problem

if TYPE_CHECKING:
    from grpclib.client import Stream as ClientStream
    from grpclib.server import Stream as ServerStream

_PREFIX = 5  # gRPC's compressed flag and 4-byte message length


def relay_problem(out: 'ClientStream', stream: 'ServerStream') -> Optional[str]:
    """Why ``relay_replies`` cannot relay from ``out`` (a grpclib client stream) to ``stream``, or None."""
    if not hasattr(out, '_wrapper'):
        return "grpclib's client Stream has no _wrapper"
    buffer = getattr(getattr(out, '_stream', None), 'buffer', None)
    if not isinstance(getattr(buffer, '_unacked', None), asyncio.Queue) or not callable(
            getattr(buffer, '_ack_callback', None)):
        return "grpclib's client Stream._stream.buffer has no _unacked queue or _ack_callback"
    return writer_problem(stream)


def whole_messages(data: bytes) -> tuple[list[bytes], bytes]:
    """The complete length-prefixed messages at the start of ``data``, and what is left of an incomplete one."""
    messages, pos, end = [], 0, len(data)
    while end - pos >= _PREFIX:
        stop = pos + _PREFIX + int.from_bytes(data[pos + 1:pos + _PREFIX], 'big')
        if stop > end:
            break
        messages.append(data[pos:stop])
        pos = stop
    return messages, data[pos:]


async def _received(buffer: Any) -> AsyncIterator[bytes]:
    """Everything the target sent so far, read by read; its flow-control credit returned once the caller has it."""
    queue = buffer._unacked  # pylint: disable=protected-access  # checked by relay_problem
    while True:
        chunks, credit, ended = [], 0, False
        item = await queue.get()
        while True:
            data, _size, ack_size = item
            if not ack_size:  # grpclib's end-of-stream marker
                ended = True
                break
            chunks.append(data)
            credit += ack_size
            if queue.empty():
                break
            item = queue.get_nowait()
        if chunks:
            yield b''.join(chunks)
            buffer._ack_callback(credit)  # pylint: disable=protected-access
        if ended:
            return


async def relay_replies(out: 'ClientStream', stream: 'ServerStream') -> None:
    """Relay every reply message of ``out`` to ``stream`` (``relay_problem`` None); trailers are the caller's."""
    await out.recv_initial_metadata()
    writer, pending = FrameWriter(stream), b''
    with out._wrapper:  # pylint: disable=protected-access  # the target's stream ending or timing out wakes us
        async for data in _received(out._stream.buffer):  # pylint: disable=protected-access
            messages, pending = whole_messages(pending + data if pending else data)
            if messages:
                await writer.send_prefixed(messages)
    if pending:
        raise StreamTerminatedError('the target ended its stream inside a message')
