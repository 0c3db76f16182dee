# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our client against a real grpc-go server with apid's TLS settings: calls, streams, statuses, limits."""

from __future__ import annotations

import asyncio
import ssl
import time

import pytest

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client import tls as _tls
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

pytestmark = pytest.mark.interop
MiB = 1 << 20


def _call(pki, address, work, **options):
    async def run():
        async with TalosClient(pki.settings(address, **options)) as client:
            return await work(client)
    return asyncio.run(run())


def _failure(pki, address, work, **options) -> TalosError:
    with pytest.raises(TalosError) as failure:
        _call(pki, address, work, **options)
    return failure.value


def test_unary_carries_the_node_metadata(pki, goserver):
    async def work(client):
        reply = await client.unary(MachineService.Version, node='10.5.0.3', read_only=True)
        return reply.messages[0]
    version = _call(pki, goserver.address, work)
    assert version.version.tag == 'v1.14.0-grpc-go'
    assert version.metadata.hostname == '10.5.0.3', 'grpc-go saw the node metadata'


def test_tls13_and_the_one_tls12_suite_with_ed25519(pki, goserver):
    """The server takes TLS 1.3, and TLS 1.2 only with ECDHE-ECDSA-AES256-GCM-SHA384 over X25519."""
    host, port = goserver.address.split(':')

    async def handshake(maximum):
        ctx = _tls.client_context(pki.ca.crt, pki.admin.crt, pki.admin.key)
        ctx.maximum_version = maximum
        _reader, writer = await asyncio.open_connection(host, int(port), ssl=ctx)
        tls = writer.get_extra_info('ssl_object')
        writer.close()
        return tls.version(), tls.cipher()[0], tls.selected_alpn_protocol()
    assert asyncio.run(handshake(ssl.TLSVersion.TLSv1_3))[0] == 'TLSv1.3'
    assert asyncio.run(handshake(ssl.TLSVersion.TLSv1_2)) == ('TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'h2')


def test_server_stream_in_order(pki, goserver):
    async def work(client):
        return [chunk async for chunk in client.read('/stream/50/0s')]
    assert _call(pki, goserver.address, work) == [b'chunk %d\n' % i for i in range(50)]


def test_client_stream_arrives_whole(pki, goserver):
    async def work(client):
        async def chunks():
            for _chunk in range(64):
                yield common_pb2.Data(bytes=b'x' * 65536)
        reply = await client.client_stream(MachineService.EtcdRecover, chunks())
        return reply.messages[0].metadata.hostname
    assert _call(pki, goserver.address, work) == 'received %d bytes' % (64 * 65536)


@pytest.mark.parametrize('code, name', [(5, 'NOT_FOUND'), (9, 'FAILED_PRECONDITION'), (7, 'PERMISSION_DENIED'),
                                        (13, 'INTERNAL')])
def test_error_statuses_keep_their_code(pki, goserver, code, name):
    error = _failure(pki, goserver.address, lambda client: client.version('status-%d' % code))
    assert error.code == name and 'failed on request as asked' in str(error)


def test_unknown_method_is_unimplemented(pki, goserver):
    error = _failure(pki, goserver.address, lambda client: client.hostname())
    assert error.code == 'UNIMPLEMENTED' and 'Hostname is not served' in str(error)


def test_refusal_before_reading_the_request(pki, goserver):
    """grpc-go answers trailers-only and resets the stream unread: the answer, not "connection lost"."""
    big = machine_pb2.ApplyConfigurationRequest(data=b'x' * (8 * MiB))
    error = _failure(pki, goserver.address,
                     lambda client: client.unary(MachineService.ApplyConfiguration, big, node='refuse'))
    assert error.code == 'PERMISSION_DENIED', str(error)
    error = _failure(pki, goserver.address,
                     lambda client: client.etcd_recover([b'x' * 65536] * 256, node='refuse'))
    assert error.code == 'PERMISSION_DENIED', str(error)


def test_32_mib_receive_limit(pki, goserver):
    def apply(size):
        request = machine_pb2.ApplyConfigurationRequest(data=b'x' * size)

        async def work(client):
            reply = await client.unary(MachineService.ApplyConfiguration, request)
            return reply.messages[0].metadata.hostname
        return work
    assert _call(pki, goserver.address, apply(31 * MiB)) == 'received %d bytes' % (31 * MiB + 5)
    error = _failure(pki, goserver.address, apply(33 * MiB))
    assert error.code == 'RESOURCE_EXHAUSTED', str(error)


def test_subsecond_deadline_is_reported_as_such(pki, goserver):
    started = time.monotonic()
    error = _failure(pki, goserver.address, lambda client: client.version('slow'), timeout=0.5)
    assert error.code == 'DEADLINE_EXCEEDED'
    assert 'no answer within 0.5s' in str(error), str(error)
    assert time.monotonic() - started < 1.9, 'the deadline was kept, not the 2 s the server takes'


def test_200_concurrent_calls_on_one_connection(pki, goserver):
    async def work(client):
        replies = await asyncio.gather(*(client.version('n%d' % i) for i in range(200)))
        return {reply['tag'] for reply in replies}
    assert _call(pki, goserver.address, work) == {'v1.14.0-grpc-go'}
