# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our transport against real etcd (Debian's etcd-server, Go) over Ed25519 mutual TLS made by our PKI code.

etcd 3.4 (Debian 12, built with Go 1.19) accepts Ed25519 certificates on both sides, as Talos's etcd does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.transport import Transport
from ansible_collections.talos.linux.plugins.module_utils.etcd.snapshot_file import SnapshotWriter

from .conftest import write_private
from .etcd_wire import M, MemberList, Put, Snapshot, Status

pytestmark = pytest.mark.interop
ETCD = shutil.which('etcd') or '/usr/bin/etcd'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def etcd(tmp_path_factory):
    """One etcd member serving clients over Ed25519 mTLS on 127.0.0.1; yields (address, CA, client cert)."""
    if not os.path.exists(ETCD):
        pytest.fail('etcd is missing: run `make setup` (installs etcd-server)')
    base = str(tmp_path_factory.mktemp('etcd'))
    ca = pki.generate_ca(organization='etcd')
    server = pki.issue_certificate(ca, common_name='etcd', server=True, client=True, sans=['127.0.0.1'])
    client = pki.issue_certificate(ca, common_name='talos', client=True)
    files = {name: write_private(os.path.join(base, name), data) for name, data in
             (('ca.crt', ca.crt), ('server.crt', server.crt), ('server.key', pki.openssl_private_key(server.key)))}
    log = open(os.path.join(base, 'etcd.log'), 'wb')  # pylint: disable=consider-using-with
    client_port, peer_port = _free_port(), _free_port()
    address = '127.0.0.1:%d' % client_port
    peer = 'http://127.0.0.1:%d' % peer_port
    proc = subprocess.Popen(
        [ETCD, '--name', 'interop', '--data-dir', os.path.join(base, 'data'),
         '--listen-client-urls', 'https://' + address, '--advertise-client-urls', 'https://' + address,
         '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', 'interop=' + peer,
         '--cert-file', files['server.crt'], '--key-file', files['server.key'], '--client-cert-auth',
         '--trusted-ca-file', files['ca.crt']],
        stdout=log, stderr=subprocess.STDOUT)
    settings = _settings(address, ca, client)
    deadline = time.monotonic() + 20
    while True:
        try:
            asyncio.run(_unary(settings, Status))
            break
        except TalosError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                with open(os.path.join(base, 'etcd.log'), encoding='utf-8', errors='replace') as f:
                    raise AssertionError('etcd did not start:\n' + f.read()[-3000:]) from None
            time.sleep(0.2)
    yield address, ca, client
    proc.terminate()
    proc.wait(10)
    log.close()


def _settings(address, ca, client):
    return settings_from_options({'endpoints': [address], 'ca': ca.crt.decode(), 'client_cert': client.crt.decode(),
                                  'client_key': client.key.decode(), 'timeout': 10})


async def _unary(settings, method, request=None):
    async with Transport(settings, retries=0) as transport:
        return await transport.unary(method, request, read_only=True)


def test_status_and_member_list(etcd):
    address, ca, client = etcd
    settings = _settings(address, ca, client)
    status = asyncio.run(_unary(settings, Status))
    assert status.version.startswith('3.4.')
    assert status.leader == status.header.member_id != 0
    members = asyncio.run(_unary(settings, MemberList)).members
    assert [(m.name, list(m.clientURLs)) for m in members] == [('interop', ['https://' + address])]


def test_snapshot_stream_passes_our_verifier(etcd, tmp_path):
    address, ca, client = etcd
    settings = _settings(address, ca, client)

    async def snapshot():
        async with Transport(settings) as transport:
            for i in range(200):
                await transport.unary(Put, M['PutRequest'](key=b'key-%d' % i, value=b'v' * 1000))
            with SnapshotWriter(str(tmp_path / 'etcd.snapshot')) as writer:
                chunks = 0
                async for reply in transport.stream(Snapshot):
                    writer.write(reply.blob)
                    chunks += 1
                return writer.commit(), chunks
    result, chunks = asyncio.run(snapshot())
    assert result['hash_verified'] and result['revision'] >= 201
    assert chunks > 1, 'the snapshot came as a stream'


def test_client_certificate_from_another_ca_is_refused_by_etcd(etcd):
    address, ca, _client = etcd
    stranger = pki.issue_certificate(pki.generate_ca(organization='etcd'), common_name='talos', client=True)
    with pytest.raises(TalosError) as failure:
        asyncio.run(_unary(_settings(address, ca, stranger), Status))
    assert failure.value.code == 'UNAUTHENTICATED', str(failure.value)
    # the alert, or (when the client's first write meets the closed socket) the reset right after the handshake
    assert 'rejected the client certificate (certificate issued by O=etcd, not by the CA of the same context)' \
        in str(failure.value)
