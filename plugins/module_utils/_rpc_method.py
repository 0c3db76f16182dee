# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How generated method tables (``_api/**/*_grpc.py``) describe one gRPC method.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class RpcMethod(NamedTuple):
    """One gRPC method: HTTP/2 path, grpclib cardinality name, message classes."""

    path: str
    cardinality: str  # UNARY_UNARY, UNARY_STREAM, STREAM_UNARY or STREAM_STREAM
    request: Any
    reply: Any

    @property
    def name(self) -> str:
        return self.path.rsplit('/', 1)[1]

    @property
    def service(self) -> str:
        return self.path.split('/')[1]

    @property
    def server_streaming(self) -> bool:
        return self.cardinality.endswith('_STREAM')

    @property
    def client_streaming(self) -> bool:
        return self.cardinality.startswith('STREAM_')


class MissingModule:
    """Stands in for a protobuf module that is not installed, so method tables still import."""

    def __getattr__(self, name: str) -> None:
        return None
