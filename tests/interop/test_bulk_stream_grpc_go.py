# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd snapshot reader (client.bulk_stream) against grpc-go: the bytes, and the grpclib path's errors."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct

import pytest

from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client import bulk_stream
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

pytestmark = pytest.mark.interop


def expected(size: int) -> bytes:
    """What the Go server's bulk mode sends: message i is its index repeated over 1 KiB."""
    whole, rest = divmod(size, 1024)
    return b''.join(struct.pack('>L', i) * 256 for i in range(whole)) + (struct.pack('>L', whole) * 256)[:rest]


def _snapshot(pki, endpoints, node, **options):
    """(chunk sizes, bytes) of client.etcd_snapshot."""
    async def run():
        settings = pki.settings(endpoints[0], **options)
        settings.endpoints = list(endpoints)
        async with TalosClient(settings) as client:
            chunks = [chunk async for chunk in client.etcd_snapshot(node)]
        return [len(chunk) for chunk in chunks], b''.join(chunks)
    return asyncio.run(run())


def _grpclib_path(pki, address, node):
    """The same call through Transport.stream (grpclib): its bytes or its TalosError."""
    async def run():
        async with TalosClient(pki.settings(address)) as client:
            return b''.join([data.bytes async for data in client.stream(MachineService.EtcdSnapshot, node=node)])
    try:
        return asyncio.run(run())
    except TalosError as exc:
        return exc


def _failure(pki, endpoints, node) -> TalosError:
    with pytest.raises(TalosError) as failure:
        _snapshot(pki, endpoints, node)
    return failure.value


@pytest.mark.parametrize('size', [0, 1000, 1024, 3 * 1024 * 1024 + 5])
def test_the_bytes_arrive_intact_in_big_chunks(pki, goserver, size):
    sizes, data = _snapshot(pki, [goserver.address], 'bulk-%d' % size)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected(size)).hexdigest()
    # A chunk is handed over once BATCH bytes are in, so it holds what the last read added beyond them.
    assert all(chunk <= 2 * bulk_stream.BATCH for chunk in sizes), sizes
    if size > 2 * bulk_stream.BATCH:
        assert len(sizes) > 1, 'never buffered whole'
    elif size:
        assert len(sizes) == 1, 'a small stream is one chunk'


def test_more_than_the_window_arrives(pki, goserver):
    """Twice the receive window: only WINDOW_UPDATEs let grpc-go send it all."""
    size = 2 * bulk_stream.WINDOW + 12345
    _sizes, data = _snapshot(pki, [goserver.address], 'bulk-%d' % size)
    assert data == expected(size)


@pytest.mark.parametrize('node', ['status-5', 'status-9', 'status-14', 'refuse', 'bulk-4096-status-13',
                                  'no-such-mode'])
def test_errors_are_the_grpclib_paths(pki, goserver, node):
    error = _failure(pki, [goserver.address], node)
    old = _grpclib_path(pki, goserver.address, node)
    assert isinstance(old, TalosError)
    assert (error.message, error.code, error.node, error.endpoint) == (old.message, old.code, old.node, old.endpoint)


def test_an_unreachable_first_endpoint_fails_over(pki, goserver):
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        dead = '127.0.0.1:%d' % closed.getsockname()[1]
    _sizes, data = _snapshot(pki, [dead, goserver.address], 'bulk-5000')
    assert data == expected(5000)
    error = _failure(pki, [dead], 'bulk-5000')
    assert error.code == 'UNAVAILABLE' and error.message.startswith('no endpoint reachable: endpoint %s:' % dead)


def test_a_pinned_fingerprint_is_checked(pki, goserver):
    with pytest.raises(TalosError, match='does not match cert_fingerprint'):
        _snapshot(pki, [goserver.address], 'bulk-10', cert_fingerprint='A' * 43 + '=')
