# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import ssl

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.talos.linux.plugins.module_utils.client import pki, tls
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.tests.unit import vectors


def _upstream_os_ca():
    """The OS CA of an upstream-generated secrets bundle: key in Talos's own PEM form."""
    case = vectors.cases('secrets')[0]
    with open(vectors.path(case['inputs']['bundle']), encoding='utf-8') as f:
        bundle = yaml.safe_load(f)
    os_ca = bundle['certs']['os']
    return pki.CertAndKey(base64.b64decode(os_ca['crt']), base64.b64decode(os_ca['key']))


def test_loads_upstream_ed25519_key_label():
    ca = _upstream_os_ca()
    assert ca.key.startswith(b'-----BEGIN ED25519 PRIVATE KEY-----')
    key = pki.load_private_key(ca.key)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    # The same key is written back byte for byte in Talos's form.
    assert pki.encode_private_key(key) == ca.key


def test_issued_client_cert_carries_roles_and_client_auth_only():
    ca = _upstream_os_ca()
    client = pki.issue_certificate(ca, organizations=['os:reader'], client=True)
    assert client.key.startswith(b'-----BEGIN ED25519 PRIVATE KEY-----')
    assert pki.certificate_roles(client.crt) == ['os:reader']
    cert = pki.load_certificates(client.crt)[0]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_key_identifiers_as_go_makes_them():
    """Go's CreateCertificate gives a CA a subject key identifier (SHA-1 of the public key) and names it as the
    authority key of every leaf it signs; Python 3.13's strict verification refuses leaves without it."""
    upstream = pki.load_certificates(_upstream_os_ca().crt)[0]
    upstream_ski = upstream.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert upstream_ski == x509.SubjectKeyIdentifier.from_public_key(upstream.public_key())

    ca = pki.generate_ca(organization='kubernetes', algorithm='ecdsa')
    ca_cert = pki.load_certificates(ca.crt)[0]
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(ca_cert.public_key())
    leaf = pki.load_certificates(pki.issue_certificate(ca, common_name='kube-apiserver', server=True).crt)[0]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_ssl_accepts_talos_key_form():
    ca = _upstream_os_ca()
    client = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    ctx = tls.client_context(ca.crt, client.crt, client.key)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


@pytest.mark.parametrize('pem, message', [
    (b'', 'no PEM private key block'),
    (b'-----BEGIN ED25519 PRIVATE KEY-----\nbm90IGEga2V5\n-----END ED25519 PRIVATE KEY-----\n',
     'cannot parse the ED25519 PRIVATE KEY PEM block'),
])
def test_malformed_keys(pem, message):
    with pytest.raises(pki.PKIError, match=message):
        pki.load_private_key(pem, 'client key')


def test_mismatched_cert_and_key_is_reported():
    ca = _upstream_os_ca()
    one = pki.issue_certificate(ca, client=True)
    other = pki.issue_certificate(ca, client=True)
    with pytest.raises(TalosError, match='cannot be used together'):
        tls.client_context(ca.crt, one.crt, other.key)


def test_spki_fingerprint_is_base64_sha256():
    ca = _upstream_os_ca()
    der = pki.load_certificates(ca.crt)[0].public_bytes(serialization.Encoding.DER)
    fingerprint = pki.spki_fingerprint(der)
    assert len(base64.b64decode(fingerprint)) == 32
