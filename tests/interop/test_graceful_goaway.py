# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""grpc-go's graceful stop (apid and machined do it on every reboot, upgrade and shutdown).

GracefulStop sends GOAWAY, then a PING, and lets the calls in flight finish; the client must let
them finish too and open a new connection for new calls (issue 14).
"""

from __future__ import annotations

import asyncio

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient

pytestmark = pytest.mark.interop


def test_in_flight_calls_finish_on_graceful_goaway_and_new_calls_reconnect(pki, start_goserver):
    server = start_goserver()

    async def run():
        async with TalosClient(pki.settings(server.address)) as client:
            chunks = []
            slow = asyncio.ensure_future(client.version('slow'))  # answers 2 s later
            async for chunk in client.read('/stream/20/100ms'):
                chunks.append(chunk)
                if len(chunks) == 3:
                    server.graceful_restart()
            after = await client.version('after')
            return chunks, await slow, after
    chunks, slow, after = asyncio.run(run())
    assert chunks == [b'chunk %d\n' % i for i in range(20)], 'the stream survived the GOAWAY'
    assert slow['tag'] == 'v1.14.0-grpc-go', 'the unary call in flight got its answer'
    assert after['tag'] == 'v1.14.0-grpc-go', 'a new call went to a new connection'
    server.wait_line('graceful stop done')
