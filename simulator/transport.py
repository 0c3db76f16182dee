# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A grpclib Server that can drop its connections and checks client certificates like apid.

grpclib's ``Server.close()`` stops listening and cancels handlers but leaves accepted connections
open (Python 3.11's asyncio has no ``close_clients``); a stopped Talos machine must drop them, so
connections are tracked here. apid (1.12+) also rejects client certificates whose ExtKeyUsage is not
exactly ClientAuth during the handshake; Python's ssl has no hook for that, so the connection is
aborted right after the handshake instead, before any request is read.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from grpclib.protocol import H2Protocol
from grpclib.server import Handler, Server

log = logging.getLogger(__name__)


def client_ext_key_usage_ok(cert_der: bytes) -> bool:
    """True when the leaf's ExtKeyUsage is exactly [ClientAuth], as apid requires."""
    try:
        cert = x509.load_der_x509_certificate(cert_der)
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    return list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]


class _TrackedProtocol(H2Protocol):
    def __init__(self, owner: 'SimServer', *args: Any) -> None:
        super().__init__(*args)
        self._owner = owner
        self._transport: Optional[asyncio.BaseTransport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._transport = transport
        self._owner.connections.add(self)
        if self._owner.check_client_eku:
            ssl_object = transport.get_extra_info('ssl_object')
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            if not der or not client_ext_key_usage_ok(der):
                log.info('rejecting client: certificate is missing the client auth extended key usage')
                transport.abort()

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._owner.connections.discard(self)
        super().connection_lost(exc)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class SimServer(Server):
    """grpclib Server whose ``drop()`` also aborts every accepted connection."""

    def __init__(self, *args: Any, check_client_eku: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_client_eku = check_client_eku
        self.connections: set[_TrackedProtocol] = set()

    def _protocol_factory(self) -> H2Protocol:
        # Same as grpclib's, with our protocol class (pinned grpclib 0.4.x internals).
        self.__gc_step__()
        handler = Handler(self._mapping, self._codec, self._status_details_codec, self.__dispatch__)
        self._handlers.add(handler)
        return _TrackedProtocol(self, handler, self._config, self._h2_config)

    async def drop(self) -> None:
        """Stop listening, cancel running calls and cut every connection (peers see a reset)."""
        self.close()
        for proto in list(self.connections):
            proto.abort()
        await self.wait_closed()
