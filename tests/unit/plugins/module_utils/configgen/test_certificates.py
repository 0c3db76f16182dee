# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openssl verifies every certificate chain a generated secrets bundle and talosconfig hold."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from cryptography import x509

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets, talosconfig

pytestmark = pytest.mark.skipif(shutil.which('openssl') is None, reason='needs the openssl command')


def openssl_verify(tmp_path, ca_pem: bytes, cert_pem: bytes, purpose: str | None = None) -> str:
    ca, cert = tmp_path / 'ca.pem', tmp_path / 'cert.pem'
    ca.write_bytes(ca_pem)
    cert.write_bytes(cert_pem)
    cmd = ['openssl', 'verify', '-CAfile', str(ca)] + (['-purpose', purpose] if purpose else []) + [str(cert)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize('contract', ['v1.6', 'v1.14'])
def test_every_ca_of_a_new_bundle_is_self_signed(tmp_path, contract):
    bundle = secrets.generate(contract)
    secrets.validate(bundle)
    for name in ('etcd', 'k8s', 'k8saggregator', 'os'):
        crt = base64.b64decode(bundle['certs'][name]['crt'])
        assert 'OK' in openssl_verify(tmp_path, crt, crt), name
        cert = pki.load_certificates(crt)[0]
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca, name


def test_talosconfig_client_certificate_chains_to_the_os_ca(tmp_path):
    bundle = secrets.generate()
    ctx = talosconfig.client_context(bundle, ['10.0.0.1'], roles=['os:reader'])
    ca = base64.b64decode(ctx['ca'])
    assert ca == base64.b64decode(bundle['certs']['os']['crt'])
    crt = base64.b64decode(ctx['crt'])
    assert 'OK' in openssl_verify(tmp_path, ca, crt, purpose='sslclient')
    assert pki.certificate_roles(crt) == ['os:reader']
    other = base64.b64decode(secrets.generate()['certs']['os']['crt'])
    other_ca = tmp_path / 'other.pem'
    other_ca.write_bytes(other)
    proc = subprocess.run(['openssl', 'verify', '-CAfile', str(other_ca), str(tmp_path / 'cert.pem')],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0, 'a certificate from another bundle must not verify'
