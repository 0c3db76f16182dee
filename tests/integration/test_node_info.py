# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.node_info through the real ansible-playbook, over real gRPC and mTLS to talos-sim."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet
from simulator import operator


def server_key_fingerprint(address):
    """base64 SHA-256 of the server certificate's public key, read off a plain TLS handshake."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((address, 50000), timeout=10) as raw, ctx.wrap_socket(raw) as tls:
        der = tls.getpeercert(binary_form=True)
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def expected_nodes(fleet):
    return [{'node': m['address'], 'hostname': m['hostname'], 'machine_type': m['type']} for m in fleet.machines]


@pytest.mark.parametrize('context, admin', [('sim', True), ('sim-reader', False)])
def test_every_node_over_mtls(fleet, context, admin):
    assert_ok(ansible_playbook('node_info_fleet.yml', {
        'talosconfig': fleet.talosconfig, 'context': context, 'admin': admin, 'version': 'v1.14.0',
        'expected': expected_nodes(fleet)}))


def test_dead_first_endpoint_fails_over(fleet):
    dead = fleet.unused_address()
    assert_ok(ansible_playbook('node_info_fleet.yml', {
        'talosconfig': fleet.talosconfig, 'context': 'sim', 'admin': True, 'version': 'v1.14.0',
        'endpoints': [dead] + fleet.addresses('controlplane'), 'expected': expected_nodes(fleet)}))


def test_stopped_machine_is_reported_and_comes_back_with_new_boot_id(fleet):
    worker = next(m for m in fleet.machines if m['type'] == 'worker')
    fleet.ctl('stop', worker['name'])
    try:
        assert_ok(ansible_playbook('node_info_unreachable.yml', {
            'talosconfig': fleet.talosconfig, 'down_node': worker['address']}))
    finally:
        fleet.ctl('start', worker['name'])
    # Back with a new boot: it boots (stage booting) until its services run, as Talos does.
    asyncio.run(operator.wait_running(fleet.talosconfig, [worker['address']], 20))
    assert_ok(ansible_playbook('node_info_fleet.yml', {
        'talosconfig': fleet.talosconfig, 'context': 'sim', 'admin': True, 'version': 'v1.14.0',
        'expected': expected_nodes(fleet)}))


@pytest.mark.parametrize('version', ['v1.14.0', 'v1.13.2', 'v1.12.6'])
def test_maintenance_mode_with_insecure(tmp_path, version):
    state = str(tmp_path / 'fleet')
    fleet = start_fleet(state, '--maintenance', '--controlplanes', '1', '--workers', '1', '--talos-version', version)
    try:
        assert not os.path.exists(fleet.talosconfig)
        assert_ok(ansible_playbook('node_info_maintenance.yml', {
            'nodes': fleet.addresses(), 'version': version, 'fingerprint': server_key_fingerprint(fleet.addresses()[0])}))
    finally:
        sim('down', '--state-dir', state)


def _talosconfig_with_foreign_ca(fleet, path):
    """The fleet's context, but trusting (and signed by) a CA the fleet never heard of."""
    with open(fleet.talosconfig, encoding='utf-8') as f:
        config = yaml.safe_load(f)
    ca = pki.generate_ca()
    client = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    ctx = config['contexts']['sim']
    ctx.update(ca=base64.b64encode(ca.crt).decode(), crt=base64.b64encode(client.crt).decode(),
               key=base64.b64encode(client.key).decode())
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_wrong_ca_is_a_clear_tls_error(fleet, tmp_path):
    talosconfig = _talosconfig_with_foreign_ca(fleet, tmp_path / 'talosconfig')
    endpoint = fleet.addresses('controlplane')[0]
    assert_ok(ansible_playbook('node_info_fails.yml', {
        'params': {'talosconfig': talosconfig, 'fail_on_unreachable': True},
        'message': ['TLS handshake failed', 'server certificate not trusted', 'endpoint %s:' % endpoint]}))


@pytest.mark.parametrize('params, message', [
    ({'talosconfig': '/nonexistent/talosconfig'}, ['talosconfig /nonexistent/talosconfig: file not found']),
    ({'context': 'nope'}, ["context 'nope' not found", 'sim, sim-reader']),
    ({'client_key': '/nonexistent/key.pem'}, ['option client_key: cannot read the file given: No such file or directory']),
    ({'client_cert': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'},
     ['client certificate (option client_cert): cannot parse']),
    ({'endpoints': ['UNUSED'], 'fail_on_unreachable': True},
     ['no endpoint reachable', 'endpoint UNUSED: connection refused']),
])
def test_bad_input_fails_clearly(fleet, params, message):
    params = dict(params)
    params.setdefault('talosconfig', fleet.talosconfig)
    if params.get('endpoints') == ['UNUSED']:
        params['endpoints'] = [fleet.unused_address()]
        message = [m.replace('UNUSED', fleet.unused_address()) for m in message]
    assert_ok(ansible_playbook('node_info_fails.yml', {'params': params, 'message': message}))


def test_talosconfig_from_environment(fleet):
    """No connection options at all: $TALOSCONFIG and its current context are used."""
    run = ansible_playbook('node_info_fleet.yml', {
        'talosconfig': '', 'context': '', 'admin': True, 'version': 'v1.14.0', 'expected': expected_nodes(fleet)},
        env={'TALOSCONFIG': fleet.talosconfig})
    assert_ok(run)


def test_secrets_stay_out_of_output(fleet):
    with open(fleet.talosconfig, encoding='utf-8') as f:
        key_b64 = yaml.safe_load(f)['contexts']['sim']['key']
    key_pem = base64.b64decode(key_b64).decode()
    run = ansible_playbook('node_info_fleet.yml', {
        'talosconfig': fleet.talosconfig, 'context': 'sim', 'admin': True, 'version': 'v1.14.0',
        'client_key': key_pem, 'expected': expected_nodes(fleet),
        # -vvv shows the censored invocation, which ansible-core 2.21 returns only with INJECT_INVOCATION on
        'ansible_inject_invocation': True}, env={'ANSIBLE_VERBOSITY': '3'})
    assert_ok(run)
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in run.output, 'module arguments are not in the output'
    body = key_pem.splitlines()[1]
    assert body not in run.output and key_b64 not in run.output
    assert json.dumps(body) not in run.output
