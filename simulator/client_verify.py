# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apid's client certificate checks, made inside the TLS handshake so a rejected client gets Go's alert.

Go's crypto/tls verifies the client certificate during the handshake and answers a failure with an
alert (``crypto/tls/handshake_server_tls13.go:readClientCertificate``, Go 1.26 as Talos 1.13/1.14
build with): ``certificate_required`` when there is none (TLS 1.3), ``unknown_ca`` for another CA,
``certificate_expired``, and ``bad_certificate`` otherwise — including a leaf without the
ClientAuth usage and apid's own rule that the leaf's ExtKeyUsage is exactly [ClientAuth]
(``internal/app/apid/service.go:verifyExtKeyUsage @ v1.13.9``, run as tls.Config.VerifyPeerCertificate).

OpenSSL already sends the first three the same way. It rejects a wrong purpose with
``unsupported_certificate`` and knows nothing of apid's exact-EKU rule, and Python's ssl has no
verify callback, so one is installed on the SSL_CTX through ctypes: it turns a purpose failure and a
leaf whose ExtKeyUsage is not exactly [ClientAuth] into X509_V_ERR_CERT_REJECTED, which OpenSSL
answers with ``bad_certificate`` (ssl/statem/statem_lib.c:ssl_x509err2alert), and a leaf signed by
another CA of the same name (OpenSSL: ``decrypt_error``) into an unknown issuer (``unknown_ca``).
"""

from __future__ import annotations

import ctypes
import logging
import ssl
from typing import Optional

import _ssl
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

log = logging.getLogger(__name__)

_X509_V_ERR_CERT_SIGNATURE_FAILURE = 7
_X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
_X509_V_ERR_INVALID_PURPOSE = 26
_X509_V_ERR_CERT_REJECTED = 28
_VERIFY_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


def ext_key_usage_ok(cert_der: bytes) -> bool:
    """apid's rule for a non-CA certificate of the client's chain: ExtKeyUsage exactly [ClientAuth]."""
    try:
        cert = x509.load_der_x509_certificate(cert_der)
    except ValueError:
        return False
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return True  # apid skips CA certificates
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def _libssl() -> ctypes.CDLL:
    # The OpenSSL that Python's _ssl is linked with (dlsym on its handle searches its dependencies).
    lib = ctypes.CDLL(_ssl.__file__)
    lib.SSL_CTX_set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, _VERIFY_CB]
    lib.SSL_CTX_set_verify.restype = None
    lib.SSL_CTX_get_verify_mode.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_verify_mode.restype = ctypes.c_int
    lib.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_options.restype = ctypes.c_uint64
    for name in ('X509_STORE_CTX_get_error_depth', 'X509_STORE_CTX_get_error'):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
        getattr(lib, name).restype = ctypes.c_int
    lib.X509_STORE_CTX_set_error.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.X509_STORE_CTX_set_error.restype = None
    lib.X509_STORE_CTX_get_current_cert.argtypes = [ctypes.c_void_p]
    lib.X509_STORE_CTX_get_current_cert.restype = ctypes.c_void_p
    lib.i2d_X509.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.i2d_X509.restype = ctypes.c_int
    return lib


_LIB: Optional[ctypes.CDLL] = None


def _current_cert_der(lib: ctypes.CDLL, store: int) -> bytes:
    cert = lib.X509_STORE_CTX_get_current_cert(store)
    size = lib.i2d_X509(cert, None) if cert else -1
    if size <= 0:
        return b''
    buf = ctypes.create_string_buffer(size)
    out = ctypes.c_void_p(ctypes.addressof(buf))
    lib.i2d_X509(cert, ctypes.byref(out))
    return buf.raw[:size]


def _verify(preverify_ok: int, store: int) -> int:
    lib = _LIB
    assert lib is not None
    try:
        if not preverify_ok:
            error = lib.X509_STORE_CTX_get_error(store)
            if error == _X509_V_ERR_INVALID_PURPOSE:
                lib.X509_STORE_CTX_set_error(store, _X509_V_ERR_CERT_REJECTED)
            elif error == _X509_V_ERR_CERT_SIGNATURE_FAILURE:
                # Signed by another CA of the same name (every Talos OS CA is "O=talos"): Go finds no
                # parent whose signature checks and reports an unknown authority (x509 buildChains).
                lib.X509_STORE_CTX_set_error(store, _X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
            return 0
        if not ext_key_usage_ok(_current_cert_der(lib, store)):
            log.info('rejecting client: certificate is missing the client auth extended key usage')
            lib.X509_STORE_CTX_set_error(store, _X509_V_ERR_CERT_REJECTED)
            return 0
        return 1
    except Exception:  # pylint: disable=broad-except  # never let an exception cross into OpenSSL
        log.exception('client certificate check failed')
        return 0


_CALLBACK = _VERIFY_CB(_verify)


def _ssl_ctx_pointer(ctx: ssl.SSLContext) -> int:
    # CPython's _ssl._SSLContext object starts with PyObject_HEAD followed by its SSL_CTX pointer.
    return ctypes.c_void_p.from_address(id(ctx) + ctypes.sizeof(ctypes.c_ssize_t) +
                                        ctypes.sizeof(ctypes.c_void_p)).value or 0


def install(ctx: ssl.SSLContext) -> bool:
    """Make ``ctx`` (a server context that requires client certificates) check them like apid.

    False when the hook cannot be installed safely (not CPython's layout): the caller falls back
    to checking after the handshake.
    """
    global _LIB  # pylint: disable=global-statement
    try:
        lib = _LIB or _libssl()
    except (OSError, AttributeError):
        return False
    pointer = _ssl_ctx_pointer(ctx)
    # Cross-check the pointer against what Python reports before handing it to OpenSSL.
    if not pointer or lib.SSL_CTX_get_options(pointer) != int(ctx.options):
        return False
    mode = lib.SSL_CTX_get_verify_mode(pointer)
    if mode & 3 != 3:  # SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT (ssl.CERT_REQUIRED)
        return False
    _LIB = lib
    lib.SSL_CTX_set_verify(pointer, mode, _CALLBACK)
    return True
