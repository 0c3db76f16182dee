# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The root of every exception the collection raises.

Each layer subclasses ``TalosError`` for its own failures (a config that does not load, a file that
cannot be written, a snapshot that does not verify, ...), so the module base catches one type and
reports them all alike: message, gRPC code, node, endpoint and what was done before the failure.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

# gRPC status codes a caller may retry for a read-only call.
RETRYABLE_CODES = frozenset(['UNAVAILABLE'])
# gRPC status codes meaning the node could not be reached (as opposed to refusing the call).
UNREACHABLE_CODES = frozenset(['UNAVAILABLE', 'DEADLINE_EXCEEDED'])


class TalosError(Exception):
    """A failed Talos API call, an unusable setting or input, or a failed local step.

    ``code`` is the gRPC status name (``UNAVAILABLE``, ``PERMISSION_DENIED``, ...) when the error
    came from gRPC or the transport, else None. ``node`` is where the call was meant to run and
    ``endpoint`` where it was sent. ``result`` is the partial result of an operation that failed
    half-way (for example ``changed``: whether anything ran before the failure); the module base
    returns it with the failure.
    """

    def __init__(self, message: str, *, code: str | None = None, node: str | None = None,
                 endpoint: str | None = None, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.node = node
        self.endpoint = endpoint
        self.result = result

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
