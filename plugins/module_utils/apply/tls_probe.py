# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the certificate a node presents comes from a given CA, found without a client certificate.

A machine leaving maintenance mode switches from a certificate of its ephemeral maintenance CA
to an apid certificate issued by its machine config's OS CA (``machine.ca``). A TLS handshake that
verifies the server against that CA, and presents no client certificate, tells the two apart before
any credentials are used.

Why verification and not reading the peer certificate: once apid serves mTLS it refuses a client
without a certificate with a TLS alert (``certificate_required`` in TLS 1.3, sent as soon as the
handshake ends), and an SSL object that received a fatal alert no longer gives its peer's
certificate. The client verifies the server's certificate before that alert can arrive, so the
outcome of verification is the answer: a verification error means another CA, anything after it
(the connection, or the server's refusal of the missing client certificate) means this CA.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from typing import Optional

from ansible_collections.talos.linux.plugins.module_utils.client import tls
from ansible_collections.talos.linux.plugins.module_utils.client.connection import parse_endpoint
from ansible_collections.talos.linux.plugins.module_utils.client.pki import PKIError, load_certificates
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents

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


def _verifying_context(ca_pems: list[bytes]) -> Optional[ssl.SSLContext]:
    """A client context that trusts only these CAs, checks no name and presents no certificate."""
    ctx = tls.insecure_client_context()
    ctx.verify_mode = ssl.CERT_REQUIRED
    loaded = False
    for pem in ca_pems:
        try:
            ctx.load_verify_locations(cadata=pem.decode('ascii', 'replace'))
        except (ssl.SSLError, ValueError):
            continue
        loaded = True
    return ctx if loaded else None


async def served_by(address: str, ca_pems: list[bytes], timeout: float = PROBE_TIMEOUT) -> Optional[bool]:
    """True when the endpoint presents a certificate from one of the CAs, False for another, None if down."""
    ctx = _verifying_context(ca_pems)
    if ctx is None:
        return False
    host, port = parse_endpoint(address)
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx), timeout)
    except ssl.SSLCertVerificationError:
        return False
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
        return None  # cut before the server's certificate could be checked (the machine is going down)
    except ssl.SSLError:
        return True  # verified, then refused for the missing client certificate (TLS 1.2 refuses in the handshake)
    except (OSError, asyncio.TimeoutError):
        return None
    writer.close()
    return True


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
