# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client certificate grpc-go (Go's crypto/tls) refuses is reported as such, never as an outage, never retried."""

from __future__ import annotations

import asyncio
import base64
import datetime
import ssl
import time

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki as _pki
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

from .conftest import expired_certificate

pytestmark = pytest.mark.interop
SLOW_BACKOFF = 5.0  # a retried read would take at least this long


def _version_failure(settings, tls12: bool = False) -> tuple[TalosError, float]:
    async def run():
        async with TalosClient(settings, backoff=SLOW_BACKOFF) as client:
            if tls12:
                client._ssl.maximum_version = ssl.TLSVersion.TLSv1_2  # pylint: disable=protected-access
            await client.version()
    started = time.monotonic()
    with pytest.raises(TalosError) as failure:
        asyncio.run(run())
    return failure.value, time.monotonic() - started


@pytest.mark.parametrize('tls12', [False, True], ids=['tls13-alert-after-handshake', 'tls12-alert-in-handshake'])
def test_certificate_from_another_ca_is_named_and_not_retried(pki, goserver, tls12):
    stranger = _pki.issue_certificate(_pki.generate_ca(), organizations=['os:admin'], client=True)
    error, elapsed = _version_failure(pki.settings(goserver.address, stranger), tls12)
    assert error.code == 'UNAUTHENTICATED', str(error)
    # the alert, or (when the client's first write meets the closed socket) the reset right after the handshake
    assert 'rejected the client certificate (certificate issued by O=talos, not by the CA of the same ' \
           'context) from option client_cert' in str(error)
    assert elapsed < SLOW_BACKOFF, 'not retried'


def test_certificate_expired_by_the_node_clock(pki, start_goserver):
    """The node's clock is 400 days ahead: valid here, expired there; the message says where to look."""
    server = start_goserver('-clock-offset', '%dh' % (400 * 24))
    error, elapsed = _version_failure(pki.settings(server.address))
    not_after = _pki.load_certificates(pki.admin.crt)[0].not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert error.code == 'UNAUTHENTICATED', str(error)
    assert 'rejected the client certificate' in str(error)
    assert "valid until %s by this controller's clock" % not_after in str(error), str(error)
    assert elapsed < SLOW_BACKOFF


def test_expired_certificate_fails_before_connecting(pki, goserver):
    expired = expired_certificate(pki)
    not_after = _pki.load_certificates(expired.crt)[0].not_valid_after_utc
    with pytest.raises(TalosError) as failure:
        TalosClient(pki.settings(goserver.address, expired))
    assert str(failure.value) == (
        'the client certificate from option client_cert cannot be used: certificate expired %s '
        '(renew it, e.g. with talos.linux.client_config and renew_within)' % not_after.strftime('%Y-%m-%dT%H:%M:%SZ'))


def test_certificate_not_yet_valid_fails_before_connecting(pki, goserver):
    later = pki.client(start=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2))
    with pytest.raises(TalosError, match='certificate not valid before 20'):
        TalosClient(pki.settings(goserver.address, later))


def test_certificate_without_client_usage_fails_before_connecting(pki, goserver):
    server_only = _pki.issue_certificate(pki.ca, organizations=['os:admin'], server=True)
    with pytest.raises(TalosError, match='extended key usage is serverAuth; Talos requires exactly clientAuth'):
        TalosClient(pki.settings(goserver.address, server_only))


def test_talosconfig_context_is_named(pki, goserver, tmp_path):
    """Through a talosconfig, the message names the file, the context and the field."""
    stranger = _pki.issue_certificate(_pki.generate_ca(), organizations=['os:admin'], client=True)
    path = tmp_path / 'talosconfig'
    encoded = {name: base64.b64encode(pem).decode() for name, pem in
               (('ca', pki.ca.crt), ('crt', stranger.crt), ('key', stranger.key))}
    path.write_text(yaml.safe_dump({'context': 'lab', 'contexts': {'lab': dict(encoded, endpoints=[goserver.address])}}))
    error, _elapsed = _version_failure(settings_from_options({'talosconfig': str(path)}))
    assert "from talosconfig %s, context 'lab' (context field crt)" % path in str(error), str(error)
