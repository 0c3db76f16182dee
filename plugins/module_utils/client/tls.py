# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS contexts for the Talos API, built with Python's ssl (OpenSSL), which speaks Ed25519.

Private module: free to change between releases.
"""

from __future__ import annotations

import os
import ssl
import tempfile

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.pki import openssl_private_key

ALPN = ['h2']


def load_cert_chain(ctx: ssl.SSLContext, crt_pem: bytes, key_pem: bytes) -> None:
    """Load a client certificate and key held in memory (ssl reads files only: a private temp dir, removed at once)."""
    key = openssl_private_key(key_pem, 'client certificate key')
    with tempfile.TemporaryDirectory(prefix='talos-tls-') as tmp:
        crt_path, key_path = os.path.join(tmp, 'crt.pem'), os.path.join(tmp, 'key.pem')
        for path, data in ((crt_path, crt_pem), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'wb') as f:
                f.write(data)
        try:
            ctx.load_cert_chain(crt_path, key_path)
        except ssl.SSLError as exc:
            raise TalosError('client certificate: certificate and key cannot be used together: %s'
                             % (exc.reason or exc)) from None


def _base_context() -> ssl.SSLContext:
    # A bare context: only the Talos CA is trusted, never the system store.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(ALPN)
    return ctx


def client_context(ca_pem: bytes, crt_pem: bytes | None, key_pem: bytes | None) -> ssl.SSLContext:
    """mTLS client: verify the server against the talosconfig CA, present the client certificate."""
    ctx = _base_context()
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    try:
        ctx.load_verify_locations(cadata=ca_pem.decode('ascii', 'replace'))
    except (ssl.SSLError, ValueError) as exc:  # ValueError: empty data
        raise TalosError('CA certificate cannot be loaded: %s' % (getattr(exc, 'reason', None) or exc)) from None
    if crt_pem and key_pem:
        load_cert_chain(ctx, crt_pem, key_pem)
    return ctx


def insecure_client_context() -> ssl.SSLContext:
    """TLS without verification and without a client certificate (Talos maintenance mode)."""
    ctx = _base_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
