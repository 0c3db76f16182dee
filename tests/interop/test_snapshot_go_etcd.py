# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""take_snapshot through the grpc-go server relaying a real etcd's snapshot in Talos's 1 KiB frames (-etcd).

The reference is etcd's own client: ``etcdctl snapshot save`` of the same member, taken right after, must
give the same file.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import take_snapshot

pytestmark = pytest.mark.interop
ETCD = shutil.which('etcd') or '/usr/bin/etcd'
ETCDCTL = shutil.which('etcdctl') or '/usr/bin/etcdctl'
NODE = 'cp-1'  # any node name that is not one of the Go server's test modes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def _put(client_url: str, key: bytes, value: bytes) -> None:
    """A put through etcd's JSON gateway (v3 API over HTTP)."""
    body = json.dumps({'key': base64.b64encode(key).decode(), 'value': base64.b64encode(value).decode()}).encode()
    with urllib.request.urlopen(urllib.request.Request(client_url + '/v3/kv/put', body, method='POST'),
                                timeout=10) as response:
        response.read()


@pytest.fixture(scope='module')
def plain_etcd(tmp_path_factory):
    """One etcd member serving clients over plain HTTP on 127.0.0.1, with 300 keys; yields its client URL."""
    for tool in (ETCD, ETCDCTL):
        if not os.path.exists(tool):
            pytest.fail('%s is missing: run `make setup` (installs etcd-server and etcd-client)' % tool)
    base = str(tmp_path_factory.mktemp('plain-etcd'))
    client_url = 'http://127.0.0.1:%d' % _free_port()
    peer_url = 'http://127.0.0.1:%d' % _free_port()
    log = open(os.path.join(base, 'etcd.log'), 'wb')  # pylint: disable=consider-using-with
    proc = subprocess.Popen(
        [ETCD, '--name', 'relay', '--data-dir', os.path.join(base, 'data'), '--listen-client-urls', client_url,
         '--advertise-client-urls', client_url, '--listen-peer-urls', peer_url,
         '--initial-advertise-peer-urls', peer_url, '--initial-cluster', 'relay=' + peer_url],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            if json.loads(_get(client_url + '/health')).get('health') == 'true':
                break
        except (OSError, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            with open(os.path.join(base, 'etcd.log'), encoding='utf-8', errors='replace') as f:
                raise AssertionError('etcd did not start:\n' + f.read()[-3000:])
        time.sleep(0.2)
    for i in range(300):
        _put(client_url, b'relay/%04d' % i, os.urandom(700) + b'%d' % i)
    yield client_url
    proc.terminate()
    proc.wait(10)
    log.close()


def _take(pki, address: str, path: str) -> dict:
    async def run():
        async with TalosClient(pki.settings(address, timeout=30)) as client:
            return await take_snapshot(client, NODE, path)
    return asyncio.run(run())


def _etcdctl_snapshot(client_url: str, path: str) -> None:
    subprocess.run([ETCDCTL, '--endpoints', client_url, 'snapshot', 'save', path], check=True, capture_output=True,
                   env=dict(os.environ, ETCDCTL_API='3'), timeout=60)


def test_the_relayed_snapshot_is_etcdctls(pki, start_goserver, plain_etcd, tmp_path):
    server = start_goserver('-etcd', plain_etcd)
    facts = _take(pki, server.address, str(tmp_path / 'relayed.snapshot'))
    _etcdctl_snapshot(plain_etcd, str(tmp_path / 'etcdctl.snapshot'))
    assert facts['hash_verified'] and facts['revision'] >= 301
    relayed = (tmp_path / 'relayed.snapshot').read_bytes()
    assert len(relayed) == facts['size'] > 300 * 700, 'the whole database came through'
    assert relayed == (tmp_path / 'etcdctl.snapshot').read_bytes()


def test_the_test_modes_still_answer_beside_the_relay(pki, start_goserver, plain_etcd, tmp_path):
    """bulk-BYTES keeps its synthetic stream when -etcd is given: a 1 KiB stream is no etcd snapshot."""
    server = start_goserver('-etcd', plain_etcd)

    async def run():
        async with TalosClient(pki.settings(server.address)) as client:
            return b''.join([chunk async for chunk in client.etcd_snapshot('bulk-1024')])
    assert asyncio.run(run()) == b'\0\0\0\0' * 256


def test_an_unreachable_etcd_is_a_grpc_error(pki, start_goserver, tmp_path):
    server = start_goserver('-etcd', 'http://127.0.0.1:%d' % _free_port())
    with pytest.raises(TalosError) as failure:
        _take(pki, server.address, str(tmp_path / 'none.snapshot'))
    assert failure.value.code == 'UNAVAILABLE'
    assert 'failed reading etcd snapshot' in failure.value.message
    assert not os.listdir(tmp_path), 'nothing left behind'
