# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type of the Talos client.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

# gRPC status codes a caller may retry for a read-only call.
RETRYABLE_CODES = frozenset(['UNAVAILABLE'])
# gRPC status codes meaning the node could not be reached (as opposed to refusing the call).
UNREACHABLE_CODES = frozenset(['UNAVAILABLE', 'DEADLINE_EXCEEDED'])


class TalosError(Exception):
    """A failed Talos API call or unusable connection setting.

    ``code`` is the gRPC status name (``UNAVAILABLE``, ``PERMISSION_DENIED``, ...) when the error
    came from gRPC or the transport, else None. ``node`` is where the call was meant to run and
    ``endpoint`` where it was sent.
    """

    def __init__(self, message: str, *, code: str | None = None, node: str | None = None,
                 endpoint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.node = node
        self.endpoint = endpoint

    def __str__(self) -> str:
        where = []
        if self.node:
            where.append('node %s' % self.node)
        if self.endpoint and self.endpoint != self.node:
            where.append('via endpoint %s' % self.endpoint)
        text = '%s: %s' % (', '.join(where), self.message) if where else self.message
        if self.code:
            text += ' (gRPC %s)' % self.code
        return text

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES

    @property
    def unreachable(self) -> bool:
        return self.code in UNREACHABLE_CODES

    def to_dict(self) -> dict[str, Any]:
        return {'msg': str(self), 'grpc_code': self.code, 'node': self.node, 'endpoint': self.endpoint}
