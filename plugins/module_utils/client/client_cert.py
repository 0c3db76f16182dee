# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client certificate: checked before connecting, and named when a node refuses it.

Talos client certificates expire after a year by default. A node refuses an unusable one with a
TLS alert (Go's crypto/tls: ``certificate_expired``, ``unknown_ca``, ``certificate_required``, or
``bad_certificate`` — the only one older Go versions send), which says little; the certificate
itself says the rest (dates, issuer, usages). These errors are never retried: the same certificate
is refused again.

Private module: free to change between releases.
"""

from __future__ import annotations

import datetime
import ssl
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.pki import PKIError, load_certificates

REJECTED_CODE = 'UNAUTHENTICATED'
# OpenSSL's reason for a received alert -> the alert's name
ALERTS = {
    'SSLV3_ALERT_BAD_CERTIFICATE': 'bad_certificate',
    'SSLV3_ALERT_CERTIFICATE_EXPIRED': 'certificate_expired',
    'SSLV3_ALERT_CERTIFICATE_UNKNOWN': 'certificate_unknown',
    'SSLV3_ALERT_CERTIFICATE_REVOKED': 'certificate_revoked',
    'SSLV3_ALERT_UNSUPPORTED_CERTIFICATE': 'unsupported_certificate',
    'TLSV1_ALERT_UNKNOWN_CA': 'unknown_ca',
    'TLSV1_ALERT_ACCESS_DENIED': 'access_denied',
    'TLSV13_ALERT_CERTIFICATE_REQUIRED': 'certificate_required',
}


def _utc(value: datetime.datetime) -> str:
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def alert_name(exc: Optional[BaseException]) -> Optional[str]:
    """The TLS alert a peer sent about our certificate, when that is what ended the connection."""
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLCertVerificationError):
        return ALERTS.get(exc.reason or '')
    return None


class ClientCertificate:
    """A context's client certificate, its CA, and where both came from (for messages)."""

    def __init__(self, crt_pem: bytes, ca_pem: Optional[bytes], source: Optional[str]) -> None:
        self.cert = load_certificates(crt_pem, 'client certificate')[0]
        self.ca_pem = ca_pem
        self.source = source or 'the client certificate option'

    @property
    def not_after(self) -> datetime.datetime:
        return self.cert.not_valid_after_utc

    @property
    def not_before(self) -> datetime.datetime:
        return self.cert.not_valid_before_utc

    def _usage_problem(self) -> Optional[str]:
        # cryptography is loaded by now (the certificate was parsed); imported here so importing this module does
        # not load it (see pki.HAS_CRYPTOGRAPHY).
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        from cryptography.x509.oid import ExtendedKeyUsageOID  # pylint: disable=import-outside-toplevel

        try:
            usages = list(self.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            usages = []
        if usages != [ExtendedKeyUsageOID.CLIENT_AUTH]:
            # apid accepts a client certificate only when its ExtKeyUsage is exactly ClientAuth.
            names = ', '.join(getattr(u, '_name', u.dotted_string) for u in usages) or 'none'
            return 'its extended key usage is %s; Talos requires exactly clientAuth' % names
        try:
            key_usage = self.cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return None
        if not key_usage.digital_signature:
            return 'its key usage lacks digitalSignature, which a TLS client certificate needs'
        return None

    def problem(self, now: Optional[datetime.datetime] = None) -> Optional[str]:
        """Why no node would accept this certificate, judged locally; None when it looks usable."""
        now = now or _now()
        if now > self.not_after:
            return 'certificate expired %s' % _utc(self.not_after)
        if now < self.not_before:
            return 'certificate not valid before %s' % _utc(self.not_before)
        return self._usage_problem()

    def check(self, now: Optional[datetime.datetime] = None) -> None:
        """Fail before connecting when the certificate cannot work."""
        problem = self.problem(now)
        if problem:
            raise TalosError('the client certificate from %s cannot be used: %s%s'
                             % (self.source, problem, self._renew_hint(problem)))

    @staticmethod
    def _renew_hint(problem: str) -> str:
        if 'expired' in problem:
            return ' (renew it, e.g. with talos.linux.client_config and renew_within)'
        return ''

    def _issued_by_context_ca(self) -> Optional[bool]:
        from cryptography.exceptions import InvalidSignature  # pylint: disable=import-outside-toplevel

        if not self.ca_pem:
            return None
        try:
            cas = load_certificates(self.ca_pem, 'CA certificate')
        except PKIError:
            return None
        for ca in cas:
            try:
                self.cert.verify_directly_issued_by(ca)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
        return False

    def _diagnosis(self, alert: Optional[str]) -> str:
        local = self.problem()
        if alert == 'certificate_required':
            return 'the node asked for a client certificate and got none'
        if local:
            return local
        issuer = self.cert.issuer.rfc4514_string() or 'an unnamed CA'
        if alert == 'certificate_expired':
            return ('certificate expired by the node\'s clock; it is valid from %s to %s: check the node\'s clock'
                    % (_utc(self.not_before), _utc(self.not_after)))
        if self._issued_by_context_ca() is False:
            return 'certificate issued by %s, not by the CA of the same context' % issuer
        if alert == 'unknown_ca':
            return 'the node does not trust the certificate\'s issuer %s' % issuer
        return ('%s; the certificate, issued by %s, is valid until %s by this controller\'s clock: check the '
                'node trusts that CA (machine.ca, acceptedCAs) and its clock'
                % ((alert or 'connection closed').replace('_', ' '), issuer, _utc(self.not_after)))

    def rejection(self, exc: Optional[BaseException], answered: bool = True) -> Optional[str]:
        """The message for a connection the node ended because of the certificate, else None.

        ``answered`` is False when the node never sent anything after the handshake: a reset then
        is how some TLS stacks refuse a certificate without an alert reaching us.
        """
        alert = alert_name(exc)
        if alert is None:
            if answered or not isinstance(exc, (ConnectionResetError, BrokenPipeError)):
                return None
            return ('the node closed the connection right after the TLS handshake: it probably rejected the '
                    'client certificate (%s) from %s' % (self._diagnosis(None), self.source))
        return 'the node rejected the client certificate (%s) from %s' % (self._diagnosis(alert), self.source)

    def error(self, exc: Optional[BaseException], answered: bool, **where: Any) -> Optional[TalosError]:
        message = self.rejection(exc, answered)
        return TalosError(message, code=REJECTED_CODE, **where) if message else None

    def summary(self) -> dict[str, Any]:
        """What node_info reports about the certificate in use."""
        return {'not_after': _utc(self.not_after), 'not_before': _utc(self.not_before),
                'days_left': (self.not_after - _now()).days, 'source': self.source}


def certificate_summary(settings: Any) -> Optional[dict[str, Any]]:
    """The client certificate of connection settings, as node_info reports it; None without one."""
    if settings.insecure or not settings.crt:
        return None
    return ClientCertificate(settings.crt, settings.ca, settings.cert_source).summary()
