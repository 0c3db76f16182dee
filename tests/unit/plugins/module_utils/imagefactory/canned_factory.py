# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local HTTP server answering with canned responses, for what the talos-sim factory cannot be made to do
(answer a wrong ID, fail with a given status, speak no JSON). The client under test talks real HTTP to it.

``CannedFactory.answers[(method, path)] = (status, content_type, body)``; unlisted paths answer 404 with
Go's ``http.Error`` text, as the factory's router does. ``requests`` records (method, path, body).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest


class CannedFactory:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str, bytes]] = []
        self.url = ''

    def answer(self, method: str, path: str, status: int, body: str, content_type: str = 'application/json') -> None:
        self.answers[(method, path)] = (status, content_type, body.encode())

    def _handler(self) -> type:
        factory = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                factory.requests.append((self.command, self.path, body))
                status, content_type, payload = factory.answers.get(
                    (self.command, self.path), (404, 'text/plain; charset=utf-8', b'404 page not found\n'))
                self.send_response(status)
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *args: object) -> None:  # keep test output clean
                return None

        return Handler

    def serve(self) -> Iterator['CannedFactory']:
        server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self.url = 'http://127.0.0.1:%d' % server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def canned_factory() -> Iterator[CannedFactory]:
    yield from CannedFactory().serve()
