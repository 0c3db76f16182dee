# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A grpclib Channel that remembers why its last connection was lost.

With TLS 1.3 a node checks the client certificate after the client's side of the handshake is
done, so its refusal (a TLS alert, or a bare reset) arrives on a connection grpclib already uses;
grpclib then only reports "connection lost". Keeping the exception the socket ended with, and
whether the node ever sent a byte on it, lets the transport say what the node refused.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

try:
    from grpclib.client import Channel, Handler
    from grpclib.protocol import H2Protocol
except ImportError:  # the transport reports the missing library
    Channel = H2Protocol = object  # type: ignore[misc,assignment]

# (exception the connection ended with or None, whether the node sent anything on it)
Lost = Tuple[Optional[BaseException], bool]


class _Protocol(H2Protocol):  # type: ignore[misc,valid-type]
    def __init__(self, channel: 'RecordingChannel', *args: Any) -> None:
        super().__init__(*args)
        self._channel = channel
        self._answered = False

    def data_received(self, data: bytes) -> None:
        self._answered = True
        super().data_received(data)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        # Recorded before grpclib ends the streams, so their callers see it when they fail.
        self._channel.lost = (exc, self._answered)
        super().connection_lost(exc)


class RecordingChannel(Channel):  # type: ignore[misc,valid-type]
    """``lost`` holds the end of the most recent connection, None while it is up or never opened."""

    lost: Optional[Lost] = None

    def _protocol_factory(self) -> Any:
        return _Protocol(self, Handler(), self._config, self._h2_config)

    async def _create_connection(self) -> Any:
        self.lost = None
        return await super()._create_connection()
