# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who issued the certificate a node presents, found without a client certificate.

A machine leaving maintenance mode switches from a certificate of its ephemeral maintenance CA
to an apid certificate issued by its machine config's OS CA (``machine.ca``). Connecting without
verification and checking the leaf's issuer tells the two apart before any credentials are used.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Optional

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
except ImportError:
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

from ansible_collections.talos.linux.plugins.module_utils import _tls
from ansible_collections.talos.linux.plugins.module_utils._connection import parse_endpoint
from ansible_collections.talos.linux.plugins.module_utils._machineconfig import documents
from ansible_collections.talos.linux.plugins.module_utils._pki import PKIError, load_certificates

PROBE_TIMEOUT = 5.0


def trusted_cas(config: documents.Config) -> list[bytes]:
    """The OS CA certificates (PEM) a machine with this config serves and trusts: machine.ca and acceptedCAs."""
    doc = config.find(documents.V1ALPHA1)
    machine = (doc.value.get('machine') if doc else None) or {}
    items = [machine.get('ca') or {}] + list(machine.get('acceptedCAs') or [])
    out = []
    for item in items:
        crt = item.get('crt') if isinstance(item, dict) else None
        if crt:
            try:
                out.append(base64.b64decode(crt))
            except ValueError:
                continue
    return out


async def peer_certificate(address: str, timeout: float = PROBE_TIMEOUT) -> Optional[bytes]:
    """The DER leaf certificate the endpoint presents, or None when it cannot be reached."""
    host, port = parse_endpoint(address)
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=_tls.insecure_client_context()), timeout)
    except (OSError, asyncio.TimeoutError):
        return None
    try:
        return writer.get_extra_info('ssl_object').getpeercert(binary_form=True)
    finally:
        writer.close()


def issued_by(leaf_der: bytes, ca_pems: list[bytes]) -> bool:
    """Whether one of the CAs signed the leaf."""
    leaf = x509.load_der_x509_certificate(leaf_der)
    for pem in ca_pems:
        try:
            cas = load_certificates(pem, 'CA')
        except PKIError:
            continue
        for ca in cas:
            try:
                leaf.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return True
    return False


async def served_by(address: str, ca_pems: list[bytes], timeout: float = PROBE_TIMEOUT) -> Optional[bool]:
    """True when the endpoint presents a certificate from one of the CAs, False for another, None if down."""
    leaf = await peer_certificate(address, timeout)
    if leaf is None:
        return None
    return issued_by(leaf, ca_pems)


def shares_ca(ca_bundle_pem: Optional[bytes], ca_pems: list[bytes]) -> bool:
    """Whether a CA bundle (a talosconfig's ``ca``) holds one of the given CA certificates."""
    if not ca_bundle_pem:
        return False
    try:
        bundle = {cert.tbs_certificate_bytes for cert in load_certificates(ca_bundle_pem, 'CA')}
    except PKIError:
        return False
    for pem in ca_pems:
        try:
            if any(cert.tbs_certificate_bytes in bundle for cert in load_certificates(pem, 'CA')):
                return True
        except PKIError:
            continue
    return False
