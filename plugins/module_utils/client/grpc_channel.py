# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A grpclib Channel that remembers why its last connection was lost and survives a graceful GOAWAY.

Lost connections: with TLS 1.3 a node checks the client certificate after the client's side of the
handshake is done, so its refusal (a TLS alert, or a bare reset) arrives on a connection grpclib
already uses; grpclib then only reports "connection lost". Keeping the exception the socket ended
with, and whether the node ever sent a byte on it, lets the transport say what the node refused.

Graceful GOAWAY: grpc-go's GracefulStop (apid and machined on every reboot, upgrade and shutdown)
sends GOAWAY(last stream 2^31-1), a PING, after the PING ack a second GOAWAY with the last stream it
took, lets those streams finish, then closes the connection. h2 (up to 4.4.1 at least, python-hyper/h2
issue 1181) puts its connection in the CLOSED state on any GOAWAY and then raises ProtocolError on
every later frame (the PING, the answers still coming), and grpclib (0.4.9) ends every stream on the
GOAWAY event anyway. So each connection here gets two small replacements, for GOAWAY frames with
error code NO_ERROR only (any other GOAWAY keeps the libraries' behaviour):

* in h2's frame dispatch, a GOAWAY handler that reports the GOAWAY (ConnectionTerminated) without
  closing h2's side, so later frames of the calls in flight are processed as usual;
* in grpclib's event dispatch, a ConnectionTerminated handler that marks the connection draining:
  the calls in flight run on until the node closes the connection, calls above the GOAWAY's last
  stream id (which the node will never answer) fail at once, and the channel opens a new connection
  for the next call instead of using this one.

Each connection also gets DATA frames whose repr() h2 can build cheaply (client.h2_data_frames).

Both rely on private attributes of h2 and grpclib; ``graceful_goaway_problem`` checks them, each
connection records whether the replacements are in place, and the tests assert both, so a library
change fails the tests instead of silently bringing the defect back.

Private module: free to change between releases.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Optional, Set, Tuple

try:
    from grpclib.client import Channel, Handler
    from grpclib.protocol import H2Protocol
    from h2.connection import H2Connection
    from h2.errors import ErrorCodes
    from h2.events import ConnectionTerminated
    from hyperframe.frame import GoAwayFrame
except ImportError:  # the transport reports the missing library
    Channel = H2Protocol = object  # type: ignore[misc,assignment]
    H2Connection = ErrorCodes = ConnectionTerminated = GoAwayFrame = None  # type: ignore[misc,assignment]

from ansible_collections.talos.linux.plugins.module_utils.client.h2_data_frames import quiet_data_frames

# (exception the connection ended with or None, whether the node sent anything on it)
Lost = Tuple[Optional[BaseException], bool]


def graceful_goaway_problem(protocol: Any = None) -> Optional[str]:
    """Why the graceful-GOAWAY workaround cannot be installed (on ``protocol``, if given); None when it can."""
    if not isinstance(getattr(Channel, '_connected', None), property) or \
            not callable(getattr(Channel, '_create_connection', None)):
        return 'grpclib.client.Channel has no _connected property or _create_connection method'
    stock = getattr(H2Connection, '_receive_goaway_frame', None)
    if not callable(stock):
        return 'h2.connection.H2Connection has no _receive_goaway_frame method'
    if protocol is None:
        return None
    h2_connection = getattr(getattr(protocol, 'connection', None), '_connection', None)
    frames = getattr(h2_connection, '_frame_dispatch_table', None)
    if not isinstance(frames, dict) or getattr(frames.get(GoAwayFrame), '__func__', None) is not stock:
        return "h2's frame dispatch table does not route GOAWAY frames to H2Connection._receive_goaway_frame"
    processor = getattr(protocol, 'processor', None)
    events = getattr(processor, 'processors', None)
    if not isinstance(events, dict) or not callable(events.get(ConnectionTerminated)) or \
            not isinstance(getattr(processor, 'streams', None), dict):
        return "grpclib's EventsProcessor has no processors table with ConnectionTerminated or no streams table"
    return None


def _receive_goaway_frame(stock: Callable[[Any], Any], frame: Any) -> Tuple[list, list]:
    """h2's GOAWAY handling, less closing the connection when the peer goes away gracefully."""
    if frame.error_code != ErrorCodes.NO_ERROR:
        return stock(frame)
    event = ConnectionTerminated()
    event.error_code = ErrorCodes.NO_ERROR
    event.last_stream_id = frame.last_stream_id
    event.additional_data = frame.additional_data or None
    return [], [event]


class _Protocol(H2Protocol):  # type: ignore[misc,valid-type]
    def __init__(self, channel: 'RecordingChannel', *args: Any) -> None:
        super().__init__(*args)
        self._channel = channel
        self._answered = False
        self.draining = False  # the node sent a graceful GOAWAY: no new calls here
        self.graceful_problem: Optional[str] = 'not connected'  # None once the GOAWAY workaround is in place
        self.data_frames_problem: Optional[str] = 'not connected'  # None once DATA frames have a cheap repr

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.data_frames_problem = quiet_data_frames(getattr(self.connection, '_connection', None))
        self.graceful_problem = graceful_goaway_problem(self)
        if self.graceful_problem is None:
            frames = self.connection._connection._frame_dispatch_table  # pylint: disable=protected-access
            frames[GoAwayFrame] = partial(_receive_goaway_frame, frames[GoAwayFrame])
            events = self.processor.processors
            events[ConnectionTerminated] = partial(self._goaway, events[ConnectionTerminated])

    def _goaway(self, stock: Callable[[Any], None], event: Any) -> None:
        if event.error_code != ErrorCodes.NO_ERROR:
            stock(event)  # grpclib ends every call: the node is not going away gracefully
            return
        if not self.draining:
            self.draining = True
            self._channel.goaways += 1
        for stream_id, stream in list(self.processor.streams.items()):
            if stream_id > event.last_stream_id:
                stream.__terminated__('the node went away without taking the call (GOAWAY, last stream %d)'
                                      % event.last_stream_id)

    def data_received(self, data: bytes) -> None:
        self._answered = True
        super().data_received(data)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if self.draining:
            self._channel.drained(self)
        else:
            # Recorded before grpclib ends the streams, so their callers see it when they fail.
            self._channel.lost = (exc, self._answered)
        super().connection_lost(exc)


class RecordingChannel(Channel):  # type: ignore[misc,valid-type]
    """``lost`` holds the end of the most recent connection, None while it is up or never opened.

    Connections the node is gracefully closing (GOAWAY) keep their calls; ``close()`` ends the
    current connection only, ``close_draining()`` those too.
    """

    lost: Optional[Lost] = None
    goaways = 0  # graceful GOAWAYs received, one per connection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._draining: Set[_Protocol] = set()

    def _protocol_factory(self) -> Any:
        return _Protocol(self, Handler(), self._config, self._h2_config)

    @property
    def _connected(self) -> bool:
        # grpclib opens a new connection when this is False: a draining one takes no new calls.
        return bool(super()._connected and not self._protocol.draining)

    async def _create_connection(self) -> Any:
        current = self._protocol
        if current is not None and current.draining and not current.handler.connection_lost:
            # Set aside before connecting, so that closing the channel after a failed connect spares its calls.
            self._draining.add(current)
            self._protocol = None
        self.lost = None
        return await super()._create_connection()

    @property
    def draining(self) -> bool:
        """Whether a connection the node is gracefully closing is still open."""
        current = self._protocol
        return bool(self._draining) or (current is not None and current.draining
                                        and not current.handler.connection_lost)

    def drained(self, protocol: '_Protocol') -> None:
        self._draining.discard(protocol)

    def close_draining(self) -> None:
        """End the calls still running on connections the node is gracefully closing."""
        for protocol in list(self._draining):
            protocol.processor.close()
        self._draining.clear()
