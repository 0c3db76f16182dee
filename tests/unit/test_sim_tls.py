# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's apid TLS (simulator/tls.py) seen from a real OpenSSL client: ``openssl s_client``."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from simulator import pki, secrets
from simulator.tls import server_context

pytestmark = pytest.mark.skipif(shutil.which('openssl') is None, reason='openssl not installed')


@pytest.fixture(scope='module')
def server():
    """A maintenance-style apid listener (no client certificate) on 127.0.0.1, one handshake per connection."""
    ca = pki.generate_ca()
    cert = secrets.apid_certificate(ca, 'talos-test', '127.0.0.1')
    ctx = server_context(cert.crt, cert.key, None)
    listener = socket.create_server(('127.0.0.1', 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _peer = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def _s_client(port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-brief', *args],
                          input='', capture_output=True, text=True, timeout=20, check=False)


def test_tls_1_1_is_refused(server):
    assert _s_client(server, '-tls1_1').returncode != 0


def test_tls_1_2_uses_the_one_suite_apid_sets(server):
    proc = _s_client(server, '-tls1_2')
    assert proc.returncode == 0, proc.stderr
    assert 'ECDHE-ECDSA-AES256-GCM-SHA384' in proc.stdout + proc.stderr


def test_tls_1_2_refuses_other_suites(server):
    assert _s_client(server, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256').returncode != 0


@pytest.mark.parametrize('version', ['-tls1_2', '-tls1_3'])
def test_only_x25519_key_exchange(server, version):
    assert _s_client(server, version, '-groups', 'P-256').returncode != 0
    ok = _s_client(server, version, '-groups', 'X25519')
    assert ok.returncode == 0, ok.stderr
