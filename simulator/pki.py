# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""X.509 material as Talos makes it (siderolabs/crypto ``x509``, used by Talos's secrets code).

* CAs (``x509/certificate_authority.go:NewSelfSignedCertificateAuthority``, siderolabs/crypto v0.6.5, the
  version Talos v1.13.9's go.mod pins): subject = Organization only, KeyUsage CertSign+DigitalSignature,
  ExtKeyUsage ServerAuth+ClientAuth. The OS CA is Ed25519, O=talos; the Kubernetes and etcd CAs are
  ECDSA P-256 (``pkg/machinery/config/generate/secrets/ca.go:NewTalosCA, NewKubernetesCA, NewEtcdCA @ v1.13.9``),
  valid 87600h (``secrets/secrets.go:CAValidityTime @ v1.13.9``).
* Leaves (``x509/keypair.go:NewKeyPair``): the key type follows the CA (Ed25519 under Ed25519, ECDSA P-256
  under any ECDSA CA); KeyUsage DigitalSignature and the ExtKeyUsage the caller asks for
  (``internal/app/machined/pkg/controllers/secrets/api.go:generateControlPlane @ v1.13.9``).
* Keys are PEM as Talos writes them: Ed25519 as PKCS#8 under ``ED25519 PRIVATE KEY``, ECDSA as SEC1
  ``EC PRIVATE KEY`` (``x509/certificate_authority.go:ECDSACertificateAuthority``).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import re
from typing import Any, NamedTuple, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ED25519_LABEL = b'ED25519 PRIVATE KEY'
CA_LIFETIME = datetime.timedelta(hours=87600)
CERT_LIFETIME = datetime.timedelta(days=365)  # siderolabs/crypto x509/constants.go:DefaultCertificateValidityDuration
_PEM = re.compile(rb'-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----\r?\n?', re.S)


class CertAndKey(NamedTuple):
    crt: bytes  # PEM certificate
    key: bytes  # PEM private key, Talos's encoding


def load_private_key(pem: bytes) -> Any:
    """A PEM private key, Talos's ``ED25519 PRIVATE KEY`` label included; ValueError otherwise."""
    for match in _PEM.finditer(pem):
        label, block = match.group(1), match.group(0)
        if label.endswith(b'PRIVATE KEY'):
            if label == ED25519_LABEL:
                block = block.replace(ED25519_LABEL, b'PRIVATE KEY')
            return serialization.load_pem_private_key(block, password=None)
    raise ValueError('no PEM private key block')


def encode_private_key(key: Any) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return pem.replace(b'PRIVATE KEY', ED25519_LABEL)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def openssl_private_key(pem: bytes) -> bytes:
    """The same key under the standard PKCS#8 label, the only Ed25519 form OpenSSL reads."""
    return load_private_key(pem).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _signature_hash(key: Any) -> Optional[hashes.HashAlgorithm]:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(common_name: Optional[str], organizations: Sequence[str]) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    if common_name:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=False,
                         encipher_only=False, decipher_only=False)


def generate_ca(organization: str = 'talos', algorithm: str = 'ed25519',
                common_name: Optional[str] = None) -> CertAndKey:
    """A self-signed CA: ``ed25519`` (Talos API) or ``ecdsa`` (Kubernetes, etcd)."""
    key = ed25519.Ed25519PrivateKey.generate() if algorithm == 'ed25519' else ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, [organization] if organization else [])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, _signature_hash(key)))
    return CertAndKey(cert.public_bytes(serialization.Encoding.PEM), encode_private_key(key))


def issue_certificate(ca: CertAndKey, *, common_name: Optional[str] = None, organizations: Sequence[str] = (),
                      client: bool = False, server: bool = False, sans: Sequence[str] = (),
                      lifetime: datetime.timedelta = CERT_LIFETIME) -> CertAndKey:
    """A leaf signed by ``ca``; ``sans`` mixes IP addresses and DNS names."""
    ca_cert = x509.load_pem_x509_certificate(ca.crt)
    ca_key = load_private_key(ca.key)
    key = ed25519.Ed25519PrivateKey.generate() if isinstance(ca_key, ed25519.Ed25519PrivateKey) \
        else ec.generate_private_key(ec.SECP256R1())
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    now = _now()
    builder = (x509.CertificateBuilder().subject_name(_name(common_name, organizations)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + lifetime)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(cert_sign=False), critical=True))
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    names: list[x509.GeneralName] = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    # Go names the CA's subject key identifier, when the CA has one, as the leaf's authority key
    # (crypto/x509 x509.go:CreateCertificate @ go1.19); Python 3.13 clients refuse a leaf without it.
    try:
        ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                                        critical=False)
    cert = builder.sign(ca_key, _signature_hash(ca_key))
    return CertAndKey(cert.public_bytes(serialization.Encoding.PEM), encode_private_key(key))


def new_key_pem(algorithm: str) -> bytes:
    """A bare private key (the Kubernetes service account key: ECDSA from contract 1.3 on)."""
    return encode_private_key(ec.generate_private_key(ec.SECP256R1()) if algorithm == 'ecdsa'
                              else ed25519.Ed25519PrivateKey.generate())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode('ascii')
