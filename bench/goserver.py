# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interop tests' grpc-go server (tests/interop/goserver) for benchmarks: a Go stand-in for Talos's apid.

Built by the interop tests' own builder (tests/interop/goserver_build.py: GOPATH mode against Debian's grpc-go
packages, no network) into the same .build/interop/goserver-HASH, so the tests and the benchmarks share one
binary per source. Started
with a PKI of its own and a talosconfig whose admin context points at it.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')


def binary() -> str:
    """The server binary for the current source, built on first use (tests/interop/goserver_build.py)."""
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    # pylint: disable-next=import-outside-toplevel  # importable once the collection's build path is on sys.path
    from ansible_collections.talos.linux.tests.interop.goserver_build import BuildError, build
    try:
        return build()
    except BuildError as exc:
        raise SystemExit(str(exc)) from None


def _write(path: str, data: bytes) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    return path


class GoServer:
    """The Go server on 127.0.0.1 with ``args``; ``talosconfig`` is an admin talosconfig for it."""

    def __init__(self, directory: str, *args: str) -> None:
        if COLLECTIONS not in sys.path:
            sys.path.insert(0, COLLECTIONS)
        # The collection is importable only once its build path is on sys.path.
        from ansible_collections.talos.linux.plugins.module_utils.client import pki  # pylint: disable=C0415
        ca = pki.generate_ca()
        server = pki.issue_certificate(ca, common_name='apid', server=True, sans=['127.0.0.1'])
        admin = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
        files = [_write(os.path.join(directory, name), data) for name, data in
                 (('ca.crt', ca.crt), ('server.crt', server.crt), ('server.key', pki.openssl_private_key(server.key)))]
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [binary(), '-addr', '127.0.0.1:0', '-ca', files[0], '-cert', files[1], '-key', files[2], *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('listening '):
            self.stop()
            raise SystemExit('the grpc-go server did not start: %r' % line)
        self.address = line.split()[1]
        context = {'endpoints': [self.address], 'nodes': [], 'ca': base64.b64encode(ca.crt).decode(),
                   'crt': base64.b64encode(admin.crt).decode(), 'key': base64.b64encode(admin.key).decode()}
        # JSON is YAML: the talosconfig loader reads it as it reads talosctl's files.
        self.talosconfig = _write(os.path.join(directory, 'talosconfig'),
                                  json.dumps({'context': 'go', 'contexts': {'go': context}}).encode())

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far, from /proc."""
        with open('/proc/%d/stat' % self.proc.pid, encoding='ascii') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
