# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Image Factory's HTTP API over Ansible's own URL helpers (``open_url``: proxies, CA bundles, no new library).

Paths and answers follow siderolabs/image-factory ``internal/frontend/http/http.go:NewFrontend`` @ 26b95ca.
The factory answers an error with ``http.Error``: a status code and a one-line text message, which every
error here carries together with the URL.

Private module: free to change between releases.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit

from ansible.module_utils.urls import open_url

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

DEFAULT_URL = 'https://factory.talos.dev'

# The options every Image Factory module takes (documented in doc_fragments/image_factory.py).
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    'factory_url': {'type': 'str', 'default': DEFAULT_URL},
    'validate_certs': {'type': 'bool', 'default': True},
    'ca_path': {'type': 'path'},
    'timeout': {'type': 'raw', 'default': 30},
}

# Longest factory message kept in an error (an HTML error page from a proxy would be much longer).
_MESSAGE_LIMIT = 500


class FactoryError(TalosError):
    """The factory could not be reached or answered an error; ``status`` is the HTTP status (None if unreached)."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message, result={'url': url, 'status': status})
        self.url = url
        self.status = status


class FactoryClient:
    """One Image Factory: ``url`` is its base URL (scheme and host, optionally a port and a path prefix)."""

    def __init__(self, url: str, validate_certs: bool = True, ca_path: str | None = None,
                 timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            raise TalosError('factory_url must be an http(s) URL such as %s, not %r' % (DEFAULT_URL, url))
        self.url = url.rstrip('/')
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> 'FactoryClient':
        return cls(params['factory_url'], params['validate_certs'], params['ca_path'], params['timeout'])

    @property
    def registry(self) -> str:
        """The host (and port) its installer images are pulled from: the factory is also the registry."""
        return urlsplit(self.url).netloc

    def _request(self, method: str, path: str, body: bytes | None = None,
                 content_type: str | None = None) -> tuple[int, bytes]:
        url = self.url + path
        headers = {'Content-Type': content_type} if content_type else None
        try:
            response = open_url(url, method=method, data=body, headers=headers, validate_certs=self.validate_certs,
                                ca_path=self.ca_path, timeout=self.timeout, http_agent='ansible-talos.linux')
            return response.getcode(), response.read()
        except HTTPError as exc:
            raise FactoryError('Image Factory %s %s answered %d: %s' % (
                method, url, exc.code, _message(exc)), url, exc.code) from None
        except (URLError, OSError) as exc:
            reason = getattr(exc, 'reason', exc)
            raise FactoryError('cannot reach the Image Factory at %s: %s' % (url, reason), url) from None

    def _json(self, path: str) -> Any:
        _status, body = self._request('GET', path)
        try:
            return json.loads(body)
        except ValueError:
            raise FactoryError('Image Factory %s%s answered something that is not JSON: %r' % (
                self.url, path, body[:_MESSAGE_LIMIT]), self.url + path) from None

    def versions(self) -> list[str]:
        """The Talos versions the factory builds, as tags (``v1.14.2``), in its order."""
        return self._json('/versions')

    def official_extensions(self, version: str) -> list[dict[str, str]]:
        return self._json('/version/%s/extensions/official' % quote(version, safe=''))

    def official_overlays(self, version: str) -> list[dict[str, str]]:
        return self._json('/version/%s/overlays/official' % quote(version, safe=''))

    def schematic(self, schematic_id: str) -> str | None:
        """The stored schematic (its canonical YAML), or None when the factory does not know the ID."""
        try:
            _status, body = self._request('GET', '/schematics/%s' % quote(schematic_id, safe=''))
        except FactoryError as exc:
            if exc.status == 404:
                return None
            raise
        return body.decode('utf-8', 'replace')

    def create_schematic(self, text: str) -> dict[str, Any]:
        """POST a schematic; the factory's answer (``id`` and the ``schematic`` as it stored it)."""
        _status, body = self._request('POST', '/schematics', text.encode('utf-8'), 'application/yaml')
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get('id'), str):
            raise FactoryError('Image Factory %s/schematics answered without a schematic ID: %r' % (
                self.url, body[:_MESSAGE_LIMIT]), self.url + '/schematics')
        return answer


def _message(exc: HTTPError) -> str:
    """The factory's own words for an error (its text body), or the HTTP reason when there are none."""
    try:
        body = exc.read().decode('utf-8', 'replace').strip()
    except (OSError, ValueError):
        body = ''
    return body[:_MESSAGE_LIMIT] or str(exc.reason)
