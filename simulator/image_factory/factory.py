# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet's one Image Factory: where it listens, and the schematics it knows.

A schematic is known once it was POSTed, or once a machine booted from it (``talos-sim up --schematic``); the
empty schematic always is. Installer images are served for known schematics only, under the factory's own
registry host (``<ip>:<port>``) and under ``factory.talos.dev``, its alias, so default references still resolve.
"""

from __future__ import annotations

from typing import Any, Optional

from simulator.image_factory import schematic as schematics

PUBLIC_HOST = 'factory.talos.dev'
PUBLIC_URL = 'https://' + PUBLIC_HOST


class ImageFactory:
    def __init__(self) -> None:
        self.url: Optional[str] = None  # https://<ip>:<port> once serving
        self.ca_path: Optional[str] = None
        self._schematics: dict[str, dict[str, Any]] = {schematics.EMPTY_ID: schematics.EMPTY}

    @property
    def host(self) -> Optional[str]:
        """The registry host of its installer images (the URL's host:port)."""
        return self.url.split('://', 1)[1] if self.url else None

    @property
    def registry_hosts(self) -> tuple[str, ...]:
        return (PUBLIC_HOST,) + ((self.host,) if self.host else ())

    def api_url_for(self, registry_host: str) -> str:
        """The base URL a factory writes into the ``schematic`` extension's author for images from that host."""
        return PUBLIC_URL if registry_host == PUBLIC_HOST or not self.url else self.url

    def add(self, schematic: dict[str, Any]) -> str:
        schematic_id = schematics.schematic_id(schematic)
        self._schematics.setdefault(schematic_id, schematic)
        return schematic_id

    def get(self, schematic_id: str) -> Optional[dict[str, Any]]:
        return self._schematics.get(schematic_id)

    def describe(self) -> dict[str, Optional[str]]:
        """Its entry in cluster.json."""
        return {'url': self.url, 'ca': self.ca_path}


FACTORY = ImageFactory()  # one fleet per process: the fleet's factory
