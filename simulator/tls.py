# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apid's TLS, expressed with Python's ssl (OpenSSL).

apid builds every tls.Config with siderolabs/crypto ``tls/tls.go:New`` (v0.6.5, pinned by Talos's go.mod):
its defaults are TLS 1.2 minimum, X25519 as the only key-exchange group, the single TLS 1.2 suite
ECDHE-ECDSA-AES256-GCM-SHA384 (Go also takes it with an Ed25519 certificate), no session tickets and
ALPN h2 (``tls/tls.go:defaultConfig``). On top of that:

* server, configured: RequireAndVerifyClientCert against the accepted CAs
  (``internal/app/apid/pkg/provider/provider.go:ServerConfig @ v1.13.9``, ``tls.Mutual``);
* server, maintenance: no client certificate asked for (``provider.go:ServerConfig`` with
  skipClientCertVerify @ v1.13.9; ``internal/app/maintenance/provider.go:TLSConfig @ v1.12.11``);
* client, proxying to another machine: the OS CA as root, the impersonator certificate
  (``provider.go:ClientConfig @ v1.13.9``).
"""

from __future__ import annotations

import os
import ssl
import sys
import tempfile
from typing import Optional

from simulator.pki import openssl_private_key

TLS12_CIPHERS = 'ECDHE-ECDSA-AES256-GCM-SHA384'  # Go's TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
CURVE = 'X25519'


def _load_chain(ctx: ssl.SSLContext, crt_pem: bytes, key_pem: bytes) -> None:
    """ssl reads certificates from files only: a private temp dir, gone right after."""
    with tempfile.TemporaryDirectory(prefix='talos-sim-tls-') as tmp:
        crt_path, key_path = os.path.join(tmp, 'crt.pem'), os.path.join(tmp, 'key.pem')
        for path, data in ((crt_path, crt_pem), (key_path, openssl_private_key(key_pem))):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'wb') as f:
                f.write(data)
        ctx.load_cert_chain(crt_path, key_path)


def _context(protocol: int) -> ssl.SSLContext:
    ctx = ssl.SSLContext(protocol)  # bare: never the system trust store
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(TLS12_CIPHERS)  # TLS 1.3 suites are not configurable in Go either
    # Python 3.10 takes only classic EC curves here and refuses X25519 ([EC: UNKNOWN_GROUP]); from 3.11 the name is
    # OpenSSL's one group. On 3.10 (the oldest controller Python, plugin-level tests only) talos-sim keeps OpenSSL's
    # default groups, X25519 first, so it then also accepts clients that offer only another group.
    if sys.version_info >= (3, 11):
        ctx.set_ecdh_curve(CURVE)
    ctx.options |= ssl.OP_NO_TICKET
    ctx.set_alpn_protocols(['h2'])
    return ctx


def server_context(crt_pem: bytes, key_pem: bytes, client_ca_pem: Optional[bytes]) -> ssl.SSLContext:
    """apid's server side: mutual TLS against ``client_ca_pem``, or none at all (maintenance) when None."""
    ctx = _context(ssl.PROTOCOL_TLS_SERVER)
    _load_chain(ctx, crt_pem, key_pem)
    if client_ca_pem:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cadata=client_ca_pem.decode('ascii'))
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_context(ca_pem: bytes, crt_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """apid's client side when it forwards a call: verify the target against the OS CA, present our cert."""
    ctx = _context(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    ctx.load_verify_locations(cadata=ca_pem.decode('ascii'))
    _load_chain(ctx, crt_pem, key_pem)
    return ctx
