# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The factory's HTTPS API: the routes, status codes and bodies of siderolabs/image-factory
internal/frontend/http (http.go:NewFrontend routes, MatchError; configuration.go:handleSchematicCreate,
handleSchematicGet; meta.go:handleVersions, handleOfficialExtensions, handleOfficialOverlays @ 26b95ca).

Errors are Go's ``http.Error``: text/plain, the message and a newline. JSON bodies end with a newline, as
``json.Encoder`` writes them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from aiohttp import web

from simulator.image_factory import catalogue, schematic as schematics
from simulator.image_factory.factory import ImageFactory
from simulator.versions import TalosVersion

_SEMVER = re.compile(r'^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$')


def _text(message: str, status: int) -> web.Response:
    return web.Response(text=message + '\n', status=status, content_type='text/plain', charset='utf-8',
                        headers={'X-Content-Type-Options': 'nosniff'})


def _json(value: Any, status: int = 200, content_type: str = 'text/plain; charset=utf-8') -> web.Response:
    """Compact JSON and a newline (json.Encoder); without a Content-Type of its own Go sniffs text/plain."""
    body = (json.dumps(value, separators=(',', ':')) + '\n').encode()
    return web.Response(body=body, status=status, headers={'Content-Type': content_type})


class VersionError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _release(tag: str) -> TalosVersion:
    """The version route parameter: a leading v is optional; an unparsable one is the factory's untagged error
    (500), one it has no release of is ErrNotFoundTag (404, internal/artifacts/manager.go:validateTalosVersion)."""
    text = tag[1:] if tag.startswith('v') else tag
    if not _SEMVER.match(text):
        raise VersionError('internal server error', 500)
    version = catalogue.release(text)
    if version is None:
        raise VersionError('version %s is not available' % text, 404)
    return version


class FactoryApp:
    def __init__(self, factory: ImageFactory) -> None:
        self.factory = factory

    def application(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post('/schematics', self.create_schematic)
        app.router.add_get('/schematics/{schematic}', self.get_schematic)
        app.router.add_get('/versions', self.versions)
        app.router.add_get('/version/{version}/extensions/official', self.official_extensions)
        app.router.add_get('/version/{version}/overlays/official', self.official_overlays)
        app.router.add_get('/image/{schematic}/{version}/{path}', self.image)  # HEAD too (aiohttp adds it)
        app.router.add_get('/healthz', self.health)
        return app

    async def create_schematic(self, request: web.Request) -> web.Response:
        try:
            schematic = schematics.parse((await request.read()).decode('utf-8', 'replace'))
        except schematics.InvalidSchematic as exc:
            return _text(str(exc), 400)
        schematic_id = self.factory.add(schematic)
        return _json({'id': schematic_id, 'schematic': schematics.marshal(schematic)}, 201, 'application/json')

    async def get_schematic(self, request: web.Request) -> web.Response:
        schematic = self.factory.get(request.match_info['schematic'])
        if schematic is None:
            return _text('schematic not found', 404)
        return web.Response(body=schematics.marshal(schematic).encode(), headers={'Content-Type': 'application/yaml'})

    async def versions(self, request: web.Request) -> web.Response:
        if request.query.get('broken') == 'true':
            return _json([])
        return _json(list(catalogue.VERSIONS))

    async def official_extensions(self, request: web.Request) -> web.Response:
        try:
            version = _release(request.match_info['version'])
        except VersionError as exc:
            return _text(str(exc), exc.status)
        return _json([item.info() for item in catalogue.extensions(version)])

    async def official_overlays(self, request: web.Request) -> web.Response:
        try:
            version = _release(request.match_info['version'])
        except VersionError as exc:
            return _text(str(exc), exc.status)
        return _json([item.info() for item in catalogue.overlays(version)])

    async def image(self, request: web.Request) -> web.Response:
        """Boot media exist for a known schematic and release; talos-sim answers their headers and a stand-in
        body (internal/frontend/http/image.go:handleImage: unknown schematic or version is 404)."""
        missing = self._missing(request.match_info['schematic'], request.match_info['version'])
        if missing is not None:
            return missing
        body = ('talos-sim %s\n' % request.path).encode()
        return web.Response(body=body, content_type='application/octet-stream')

    def _missing(self, schematic_id: str, tag: str) -> Optional[web.Response]:
        if self.factory.get(schematic_id) is None:
            return _text('schematic ID %r not found' % schematic_id, 404)
        try:
            _release(tag)
        except VersionError as exc:
            return _text(str(exc), exc.status)
        return None

    async def health(self, _request: web.Request) -> web.Response:
        return web.Response(status=200)
