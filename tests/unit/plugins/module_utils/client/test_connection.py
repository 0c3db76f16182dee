# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.connection import parse_endpoint, settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


@pytest.fixture(scope='module')
def material():
    ca = pki.generate_ca()
    client = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    return ca, client


def _write_talosconfig(path, ca, client, context=None):
    ctx = {'endpoints': ['10.0.0.1'], 'nodes': ['10.0.0.2', '10.0.0.3'],
           'ca': base64.b64encode(ca.crt).decode(), 'crt': base64.b64encode(client.crt).decode(),
           'key': base64.b64encode(client.key).decode()}
    ctx.update(context or {})
    path.write_text(yaml.safe_dump({'context': 'main', 'contexts': {'main': ctx}}))
    return str(path)


@pytest.mark.parametrize('endpoint, expected', [
    ('10.0.0.1', ('10.0.0.1', 50000)),
    ('10.0.0.1:1234', ('10.0.0.1', 1234)),
    ('[fd00::1]:50001', ('fd00::1', 50001)),
    ('fd00::1', ('fd00::1', 50000)),
    ('https://talos.example.com', ('talos.example.com', 443)),
    ('node.example.com', ('node.example.com', 50000)),
])
def test_parse_endpoint(endpoint, expected):
    assert parse_endpoint(endpoint) == expected


def test_bad_port():
    with pytest.raises(TalosError, match="endpoint 'a:b' has an invalid port 'b'"):
        parse_endpoint('a:b')


def test_context_values_and_explicit_overrides(tmp_path, material):
    ca, client = material
    path = _write_talosconfig(tmp_path / 'tc', ca, client)
    settings = settings_from_options({'talosconfig': path})
    assert settings.endpoints == ['10.0.0.1'] and settings.nodes == ['10.0.0.2', '10.0.0.3']
    assert settings.context == 'main' and settings.ca == ca.crt
    other = pki.issue_certificate(ca, organizations=['os:reader'], client=True)
    crt_file = tmp_path / 'crt.pem'
    crt_file.write_bytes(other.crt)
    settings = settings_from_options({'talosconfig': path, 'endpoints': ['10.9.9.9'], 'nodes': ['10.9.9.8'],
                                      'client_cert': str(crt_file), 'client_key': other.key.decode()})
    assert settings.endpoints == ['10.9.9.9'] and settings.nodes == ['10.9.9.8']
    assert settings.crt == other.crt and settings.key == other.key


def test_explicit_material_needs_no_talosconfig(material, tmp_path):
    ca, client = material
    settings = settings_from_options({'endpoints': ['10.0.0.1'], 'ca': ca.crt.decode(), 'client_cert': client.crt.decode(),
                                      'client_key': client.key.decode()}, env={'HOME': str(tmp_path)})
    assert settings.talosconfig is None


def test_talosconfig_option_only_locates_the_file(material, tmp_path):
    # $TALOSCONFIG reaches the option through the spec's env_fallback: naming the file must not
    # make it read when the options need nothing from it (a missing file would fail otherwise).
    ca, client = material
    explicit = settings_from_options({'talosconfig': '/nope', 'endpoints': ['10.0.0.1'], 'ca': ca.crt.decode(),
                                      'client_cert': client.crt.decode(), 'client_key': client.key.decode()})
    insecure = settings_from_options({'talosconfig': '/nope', 'insecure': True, 'nodes': ['10.0.0.5']})
    assert explicit.talosconfig is None and insecure.talosconfig is None
    with pytest.raises(TalosError, match='talosconfig /nope: file not found'):
        settings_from_options({'talosconfig': '/nope', 'insecure': True, 'context': 'main'})


def test_insecure_needs_no_talosconfig_and_drops_identity(tmp_path):
    settings = settings_from_options({'insecure': True, 'nodes': ['10.0.0.5']}, env={'HOME': str(tmp_path)})
    assert settings.endpoints == ['10.0.0.5'] and settings.crt is None


@pytest.mark.parametrize('change, message', [
    ({'key': base64.b64encode(b'-----BEGIN ED25519 PRIVATE KEY-----\nAAAA\n-----END ED25519 PRIVATE KEY-----\n')
      .decode()}, r"talosconfig .*/tc, context 'main' client key \(context field key\): cannot parse"),
    ({'endpoints': []}, r"talosconfig .*/tc, context 'main': no endpoints"),
    ({'crt': None}, r"context 'main': missing client certificate \(option client_cert\) for mutual TLS"),
    ({'ca': base64.b64encode(b'-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').decode()},
     r"CA certificate \(context field ca\): cannot parse the certificate"),
])
def test_bad_context_material_names_file_context_and_field(tmp_path, material, change, message):
    ca, client = material
    path = _write_talosconfig(tmp_path / 'tc', ca, client, change)
    with pytest.raises(TalosError, match=message):
        settings_from_options({'talosconfig': path})


def test_unreadable_key_file(tmp_path, material):
    ca, client = material
    path = _write_talosconfig(tmp_path / 'tc', ca, client)
    with pytest.raises(TalosError, match=r'option client_key: cannot read the file given: No such file'):
        settings_from_options({'talosconfig': path, 'client_key': '/nonexistent/key.pem'})


def test_missing_talosconfig(tmp_path):
    with pytest.raises(TalosError, match='talosconfig /nope: file not found'):
        settings_from_options({'talosconfig': '/nope'})


def test_unknown_context(tmp_path, material):
    ca, client = material
    path = _write_talosconfig(tmp_path / 'tc', ca, client)
    with pytest.raises(TalosError, match=r"context 'other' not found \(contexts: main\)"):
        settings_from_options({'talosconfig': path, 'context': 'other'})
