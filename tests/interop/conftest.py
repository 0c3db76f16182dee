# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real Go peers for the client: our grpc-go test server (built here from Debian's Go packages), etcd, grpcurl.

The Go server is built once per source hash into .build/interop/ (goserver_build.py, shared with bench/).
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client import pki as _pki
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options

from .goserver_build import BuildError, build


@pytest.fixture(scope='session')
def goserver_binary() -> str:
    """The grpc-go test server, built on first use (a few seconds) and reused while its source is unchanged."""
    try:
        return build()
    except BuildError as exc:
        pytest.fail(str(exc))


@dataclass
class Pki:
    """An Ed25519 OS CA as Talos makes it, the server's certificate and an admin client certificate."""

    dir: str
    ca: _pki.CertAndKey
    server: _pki.CertAndKey
    admin: _pki.CertAndKey

    def client(self, roles: tuple[str, ...] = ('os:admin',), **kwargs: Any) -> _pki.CertAndKey:
        return _pki.issue_certificate(self.ca, organizations=roles, client=True, **kwargs)

    def options(self, address: str, cert: _pki.CertAndKey | None = None, **extra: Any) -> dict[str, Any]:
        """Connection options (the modules' names) for ``address`` with an inline certificate."""
        cert = cert or self.admin
        return dict({'endpoints': [address], 'ca': self.ca.crt.decode(), 'client_cert': cert.crt.decode(),
                     'client_key': cert.key.decode()}, **extra)

    def settings(self, address: str, cert: _pki.CertAndKey | None = None, **extra: Any):
        return settings_from_options(self.options(address, cert, **extra))


def write_private(path: str, data: bytes) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    return path


@pytest.fixture(scope='session')
def pki(tmp_path_factory) -> Pki:
    base = str(tmp_path_factory.mktemp('interop-pki'))
    ca = _pki.generate_ca()
    server = _pki.issue_certificate(ca, common_name='apid', server=True, sans=['127.0.0.1', 'localhost'])
    admin = _pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    write_private(os.path.join(base, 'ca.crt'), ca.crt)
    write_private(os.path.join(base, 'server.crt'), server.crt)
    write_private(os.path.join(base, 'server.key'), _pki.openssl_private_key(server.key))  # Go reads PKCS#8
    return Pki(base, ca, server, admin)


class GoServer:
    """One running grpc-go test server on 127.0.0.1 (a kernel-chosen port)."""

    def __init__(self, binary: str, pki: Pki, *args: str) -> None:
        self.proc = subprocess.Popen(
            [binary, '-addr', '127.0.0.1:0', '-cert', os.path.join(pki.dir, 'server.crt'),
             '-key', os.path.join(pki.dir, 'server.key'), '-ca', os.path.join(pki.dir, 'ca.crt'), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('listening '):
            self.proc.kill()
            raise AssertionError('grpc-go test server did not start: %s%s' % (line, self.proc.stderr.read()))
        self.address = line.split()[1]

    def graceful_restart(self) -> None:
        """GracefulStop (GOAWAY, in-flight calls finish) while a new server takes over the socket."""
        self.proc.send_signal(signal.SIGUSR1)

    def wait_line(self, text: str) -> None:
        for line in self.proc.stdout:
            if text in line:
                return
        raise AssertionError('grpc-go test server exited before printing %r' % text)

    def stop(self) -> None:
        self.proc.kill()  # a graceful stop could wait on calls a failed test left open
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture(scope='session')
def goserver(goserver_binary, pki):
    """A grpc-go server shared by the tests that do not stop it."""
    server = GoServer(goserver_binary, pki)
    yield server
    server.stop()


@pytest.fixture
def start_goserver(goserver_binary, pki):
    """Start private grpc-go servers (extra flags allowed); all are stopped after the test."""
    servers = []

    def start(*args: str) -> GoServer:
        servers.append(GoServer(goserver_binary, pki, *args))
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


def expired_certificate(pki: Pki) -> _pki.CertAndKey:
    """An admin certificate from the right CA that expired yesterday."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return pki.client(start=now - datetime.timedelta(days=366), lifetime=datetime.timedelta(days=365))
