# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gRPC's HTTP/2 headers (gRPC PROTOCOL-HTTP2.md) as grpclib writes a call's and reads an answer's.

For client.bulk_stream, which speaks HTTP/2 itself: the same request headers, and the same GRPCError for the
same response headers and trailers, so the transport maps its failures to the same TalosError.

Private module: free to change between releases.
"""

from __future__ import annotations

import ipaddress

try:
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError
    from grpclib.metadata import USER_AGENT, decode_grpc_message, encode_metadata, encode_timeout
except ImportError:  # Transport reports the missing library before any call
    pass

GRPC_CONTENT_TYPE = 'application/grpc'
# grpc/grpc doc/http-grpc-status-mapping.md: a response that is not HTTP 200; any other status is UNKNOWN
_HTTP_STATUS = {'400': 'INTERNAL', '401': 'UNAUTHENTICATED', '403': 'PERMISSION_DENIED', '404': 'UNIMPLEMENTED',
                '429': 'UNAVAILABLE', '502': 'UNAVAILABLE', '503': 'UNAVAILABLE', '504': 'UNAVAILABLE'}


def request_headers(path: str, host: str, port: int, metadata: list[tuple[str, str]],
                    timeout: float) -> list[tuple[str, str]]:
    """The headers grpclib sends for a call (client.Stream.send_request)."""
    return [(':method', 'POST'), (':scheme', 'https'), (':path', path),
            (':authority', _authority(host, port)), ('grpc-timeout', encode_timeout(timeout)),
            ('te', 'trailers'), ('content-type', GRPC_CONTENT_TYPE), ('user-agent', USER_AGENT),
            *encode_metadata(metadata)]


def _authority(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets (as grpclib's Channel names it)."""
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return '%s:%d' % (host, port)
    return '[%s]:%d' % (host, port)


def check_response(headers: dict[str, str]) -> None:
    """HTTP status and content type as grpclib checks them (client.Stream._raise_for_status, _for_content_type)."""
    status = headers.get(':status')
    if status is not None and status != '200':
        raise GRPCError(Status[_HTTP_STATUS.get(status, 'UNKNOWN')], 'Received :status = %r' % status)
    content_type = headers.get('content-type')
    if content_type is None:
        raise GRPCError(Status.UNKNOWN, 'Missing content-type header')
    base, _plus, subtype = content_type.partition('+')
    if base != GRPC_CONTENT_TYPE or subtype not in ('', 'proto'):
        raise GRPCError(Status.UNKNOWN, 'Invalid content-type: %r' % content_type)


def check_status(headers: dict[str, str]) -> None:
    """The call's gRPC status as grpclib reads it (client.Stream._process_grpc_status); an error raises."""
    value = headers.get('grpc-status')
    if value is None:
        raise GRPCError(Status.UNKNOWN, 'Missing grpc-status header')
    try:
        status = Status(int(value))
    except ValueError:
        raise GRPCError(Status.UNKNOWN, 'Invalid grpc-status: %r' % value) from None
    if status is not Status.OK:
        message = headers.get('grpc-message')
        raise GRPCError(status, decode_grpc_message(message) if message is not None else None)
