# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for talos-sim's own tests: fleets started with the real CLI, and a raw grpclib client
built only from ``client.tls`` and the generated method tables (no dependency on the collection's client)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pytest
import yaml
from grpclib.client import Channel
from grpclib.const import Cardinality

from ansible_collections.talos.linux.plugins.module_utils.client.tls import client_context

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
PORT = 50000


def run_sim(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, '-m', 'simulator'] + list(args), cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    if check and proc.returncode:
        raise AssertionError('talos-sim %s failed (%d):\n%s%s' % (' '.join(args), proc.returncode, proc.stdout,
                                                                  proc.stderr))
    return proc


@dataclass
class SimFleet:
    state_dir: str
    subnet: str

    @property
    def cluster(self) -> dict[str, Any]:
        with open(os.path.join(self.state_dir, 'cluster.json'), encoding='utf-8') as f:
            return json.load(f)

    def address(self, name: str) -> str:
        return next(m['address'] for m in self.cluster['machines'] if m['name'] == name)

    def tls(self, context: str = 'sim'):
        """mTLS client context from one of the fleet's talosconfig contexts."""
        with open(os.path.join(self.state_dir, 'talosconfig'), encoding='utf-8') as f:
            ctx = yaml.safe_load(f)['contexts'][context]
        return client_context(*(base64.b64decode(ctx[k]) for k in ('ca', 'crt', 'key')))

    def ctl(self, *args: str) -> dict[str, Any]:
        return json.loads(run_sim('ctl', '--state-dir', self.state_dir, *args).stdout)

    @property
    def factory_url(self) -> str:
        """The fleet's emulated Image Factory (HTTPS; its registry host is the URL's host:port)."""
        return self.cluster['image_factory']['url']

    @property
    def factory_ca(self) -> str:
        """Path of the PEM CA that signed the factory's certificate."""
        return self.cluster['image_factory']['ca']

    def factory(self, method: str, path: str, body: Optional[bytes] = None) -> tuple[int, str, bytes]:
        """One plain HTTPS request to the factory: (status, Content-Type, body)."""
        request = urllib.request.Request(self.factory_url + path, data=body, method=method)
        context = ssl.create_default_context(cafile=self.factory_ca)
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, response.headers.get('Content-Type', ''), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get('Content-Type', ''), exc.read()

    def post_schematic(self, text: str) -> str:
        """Create a schematic at the factory; its ID."""
        status, _type, body = self.factory('POST', '/schematics', text.encode())
        assert status == 201, body
        return json.loads(body)['id']

    @property
    def pid(self) -> int:
        with open(os.path.join(self.state_dir, 'sim.pid'), encoding='ascii') as f:
            return int(f.read())


def start_sim_fleet(state_dir: str, *args: str) -> SimFleet:
    """`up` on a random loopback /24, retrying when another fleet already holds it."""
    for _attempt in range(5):
        subnet = '127.%d.%d.0/24' % (random.randint(100, 199), random.randint(0, 255))
        proc = run_sim('up', '--state-dir', state_dir, '--subnet', subnet, *args, check=False)
        if proc.returncode == 0:
            return SimFleet(state_dir, subnet)
        assert 'already in use' in proc.stderr, proc.stderr
    raise AssertionError('no free loopback subnet found')


def _fleet_fixture(tmp_path_factory: pytest.TempPathFactory, *args: str):
    state_dir = str(tmp_path_factory.mktemp('sim'))
    fleet = start_sim_fleet(state_dir, *args)
    try:
        yield fleet
    finally:
        run_sim('down', '--state-dir', state_dir)


@pytest.fixture(scope='module')
def sim_fleet(tmp_path_factory):
    """Configured Talos v1.14.0: talos-cp-1 and talos-worker-1."""
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1')


@pytest.fixture(scope='module')
def sim_maintenance_114(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--maintenance', '--talos-version', 'v1.14.0')


@pytest.fixture(scope='module')
def sim_maintenance_112(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--maintenance', '--talos-version', 'v1.12.4')


async def _call(address: str, ssl_ctx, method, request, metadata: Optional[Sequence[tuple[str, str]]]) -> list:
    channel = Channel(address, PORT, ssl=ssl_ctx)
    try:
        async with channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                   metadata=metadata, timeout=10) as stream:
            await stream.send_message(request, end=True)
            replies = []
            while (reply := await stream.recv_message()) is not None:
                replies.append(reply)
            await stream.recv_trailing_metadata()
            return replies
    finally:
        channel.close()


def rpc(address: str, ssl_ctx, method, request=None, metadata: Optional[Sequence[tuple[str, str]]] = None) -> list:
    """Call a unary or server-streaming method (default: empty request); every reply message."""
    request = method.request() if request is None else request
    return asyncio.run(_call(address, ssl_ctx, method, request, metadata))
