# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos-shaped X.509 material: Ed25519 CAs, client and server certificates, PEM keys.

Talos writes Ed25519 private keys as PKCS#8 DER under the non-standard PEM label
``ED25519 PRIVATE KEY``; OpenSSL only reads the ``PRIVATE KEY`` label, so keys are converted
when they are loaded and written back in Talos's form. Private module: free to change.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib
import ipaddress
import re
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

if TYPE_CHECKING:
    from cryptography import x509

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

# cryptography is imported by the functions that use it, on first use: a task that parses no certificate (an
# insecure call to a node in maintenance mode) does not pay for loading it.
HAS_CRYPTOGRAPHY = find_spec('cryptography') is not None

ED25519_LABEL = 'ED25519 PRIVATE KEY'
PEM_BLOCK = re.compile(rb'-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----\r?\n?', re.S)
CA_LIFETIME = datetime.timedelta(days=3650)
CERT_LIFETIME = datetime.timedelta(days=365)
CLOCK_SKEW = datetime.timedelta(minutes=5)  # tolerate controller/node clocks a little apart


class PKIError(TalosError):
    """Key or certificate material that cannot be used."""


class CertAndKey(NamedTuple):
    crt: bytes  # PEM certificate
    key: bytes  # PEM private key in Talos's encoding


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(label, block) for every PEM block in data."""
    return [(m.group(1).decode('ascii'), m.group(0)) for m in PEM_BLOCK.finditer(data)]


def preload() -> None:
    """Import the certificate and key parsers now rather than on first use.

    For the action plugins: imported in Ansible's controller before it forks its workers, they are inherited by
    every worker, each of which parses the connection's certificates and key (importing them costs each one
    about 25 ms). A module process keeps loading them on first use."""
    if HAS_CRYPTOGRAPHY:
        for name in ('cryptography.x509', 'cryptography.hazmat.primitives.serialization'):
            importlib.import_module(name)


def load_private_key(pem: bytes, what: str = 'private key'):
    """Load a PEM private key, accepting Talos's ``ED25519 PRIVATE KEY`` label."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    blocks = pem_blocks(pem)
    keys = [(label, block) for label, block in blocks if label.endswith('PRIVATE KEY')]
    if not keys:
        raise PKIError('%s: no PEM private key block found' % what)
    label, block = keys[0]
    if label == ED25519_LABEL:
        block = block.replace(ED25519_LABEL.encode(), b'PRIVATE KEY')
    try:
        return serialization.load_pem_private_key(block, password=None)
    except (ValueError, TypeError) as exc:
        raise PKIError('%s: cannot parse the %s PEM block: %s' % (what, label, exc)) from None


def load_certificates(pem: bytes, what: str = 'certificate') -> list:
    from cryptography import x509  # pylint: disable=import-outside-toplevel

    certs = [block for label, block in pem_blocks(pem) if label == 'CERTIFICATE']
    if not certs:
        raise PKIError('%s: no PEM CERTIFICATE block found' % what)
    try:
        return [x509.load_pem_x509_certificate(block) for block in certs]
    except ValueError as exc:
        raise PKIError('%s: cannot parse the certificate: %s' % (what, exc)) from None


def encode_private_key(key) -> bytes:
    """PEM in the encoding Talos writes: Ed25519 as labelled PKCS#8, EC as SEC1, RSA as PKCS#1."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ed25519  # pylint: disable=import-outside-toplevel
    if isinstance(key, ed25519.Ed25519PrivateKey):
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        body = base64.encodebytes(der).replace(b'\n', b'')
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return b''.join([b'-----BEGIN ', ED25519_LABEL.encode(), b'-----\n']
                        + [line + b'\n' for line in lines]
                        + [b'-----END ', ED25519_LABEL.encode(), b'-----\n'])
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def openssl_private_key(pem: bytes, what: str = 'private key') -> bytes:
    """The same key as unencrypted PKCS#8 ``PRIVATE KEY`` PEM, which OpenSSL always reads."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    key = load_private_key(pem, what)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def spki_fingerprint(cert_der: bytes) -> str:
    """base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as talosctl prints it."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode('ascii')


def _name(common_name: str | None, organizations: Sequence[str]) -> x509.Name:
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    if common_name:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _sign_algorithm(key):
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ed25519  # pylint: disable=import-outside-toplevel

    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def new_private_key(algorithm: str = 'ed25519'):
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # pylint: disable=import-outside-toplevel

    if algorithm == 'ed25519':
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == 'ecdsa':
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == 'rsa':
        return rsa.generate_private_key(public_exponent=65537, key_size=4096)
    raise PKIError('unknown key algorithm %r' % algorithm)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: Any, start: datetime.datetime,
             lifetime: datetime.timedelta, ca: bool) -> x509.CertificateBuilder:
    """What every certificate here has: validity from ``start`` (less clock skew), basic constraints and a
    key usage of digital signature, plus certificate and CRL signing for a CA."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - CLOCK_SKEW).not_valid_after(start + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                     crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
    )


def generate_ca(organization: str = 'talos', common_name: str | None = None, algorithm: str = 'ed25519',
                lifetime: datetime.timedelta = CA_LIFETIME) -> CertAndKey:
    """A self-signed CA (Talos's OS CA is Ed25519 with O=talos, valid 10 years)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import ExtendedKeyUsageOID  # pylint: disable=import-outside-toplevel

    key = new_private_key(algorithm)
    name = _name(common_name, [organization] if organization else [])
    cert = (
        _builder(name, name, key.public_key(), _now(), lifetime, ca=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        # Go gives every CA a subject key identifier (crypto/x509 CreateCertificate), so the certificates Talos
        # issues under it name it as their authority key; Python 3.13 clients (VERIFY_X509_STRICT) require that.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, _sign_algorithm(key))
    )
    return CertAndKey(cert.public_bytes(serialization.Encoding.PEM), encode_private_key(key))


def _with_authority_key(builder: x509.CertificateBuilder, ca_cert: x509.Certificate) -> x509.CertificateBuilder:
    """The CA's subject key identifier as the leaf's authority key identifier, as Go's CreateCertificate does
    when the CA has one (a CA made elsewhere may not)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel

    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return builder
    return builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)


def issue_certificate(ca: CertAndKey, *, common_name: str | None = None, organizations: Sequence[str] = (),
                      client: bool = False, server: bool = False, sans: Sequence[str] = (),
                      lifetime: datetime.timedelta = CERT_LIFETIME,
                      start: datetime.datetime | None = None) -> CertAndKey:
    """A leaf certificate signed by ``ca``: an Ed25519 key under an Ed25519 CA, else ECDSA P-256 (as Talos does).

    Valid for ``lifetime`` from ``start`` (default: now, less a little clock skew).

    ``sans`` mixes IP addresses and DNS names. Client certificates carry the roles as Organization
    values and ExtKeyUsage ClientAuth only, which Talos requires.
    """
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ed25519  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import ExtendedKeyUsageOID  # pylint: disable=import-outside-toplevel

    ca_cert = load_certificates(ca.crt, 'CA certificate')[0]
    ca_key = load_private_key(ca.key, 'CA key')
    if isinstance(ca_key, ed25519.Ed25519PrivateKey):
        key = new_private_key('ed25519')
    else:
        key = new_private_key('ecdsa')
    usages = []
    if server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    if client:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    builder = _builder(_name(common_name, organizations), ca_cert.subject, key.public_key(), start or _now(),
                       lifetime, ca=False)
    if usages:  # RFC 5280: an ExtendedKeyUsage extension lists at least one usage
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    alt_names = []
    for san in sans:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            alt_names.append(x509.DNSName(san))
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    builder = _with_authority_key(builder, ca_cert)
    cert = builder.sign(ca_key, _sign_algorithm(ca_key))
    return CertAndKey(cert.public_bytes(serialization.Encoding.PEM), encode_private_key(key))


def certificate_roles(crt_pem: bytes) -> list[str]:
    """The Organization values of a certificate: Talos roles for a client certificate."""
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    cert = load_certificates(crt_pem)[0]
    return [attr.value for attr in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
