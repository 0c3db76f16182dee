# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building the grpc-go test server (tests/interop/goserver), for the interop tests and the benchmarks alike.

Built once per source hash into .build/interop/, in GOPATH mode against Debian's golang-google-grpc-dev and
golang-google-protobuf-dev: no network, no module download.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
SOURCE = os.path.join(REPO, 'tests', 'interop', 'goserver')
BUILD_DIR = os.path.join(REPO, '.build', 'interop')
GOPATH = '/usr/share/gocode'  # where Debian's golang-*-dev packages install Go sources


class BuildError(Exception):
    """The server could not be built; the message says what to install."""


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(SOURCE, '*.go'))):
        with open(path, 'rb') as f:
            digest.update(os.path.basename(path).encode() + b'\0' + f.read())
    return digest.hexdigest()[:16]


def build() -> str:
    """The server binary for the current source, built on first use (a few seconds) and reused after."""
    binary = os.path.join(BUILD_DIR, 'goserver-%s' % _source_hash())
    if os.path.exists(binary):
        return binary
    go = shutil.which('go')
    if go is None:
        raise BuildError('the Go toolchain is missing: run `make setup` (installs golang-go and the grpc-go packages)')
    os.makedirs(BUILD_DIR, exist_ok=True)
    env = dict(os.environ, GO111MODULE='off', GOPATH=GOPATH, GOFLAGS='', CGO_ENABLED='0',
               GOCACHE=os.path.join(BUILD_DIR, 'go-cache'))
    tmp = binary + '.tmp'
    proc = subprocess.run([go, 'build', '-o', tmp, '.'], cwd=SOURCE, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if proc.returncode:
        raise BuildError('building the grpc-go test server failed (are golang-google-grpc-dev and '
                         'golang-google-protobuf-dev installed? `make setup`):\n%s' % proc.stderr)
    os.replace(tmp, binary)
    return binary
