# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ImageService.List (1.13+): the images in the machine's containerd, pulled installers included."""

from __future__ import annotations

from typing import Any, AsyncIterator

from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2

from simulator import installer
from simulator.api import ImageService
from simulator.calls import Call, server_stream
from simulator.lifecycle import lifecycle_of


@server_stream(ImageService.List)
async def list_images(call: Call) -> AsyncIterator[Any]:
    """One message per image record: its name as pulled, the digest it points to, its size, when it was
    created (internal/app/images/images.go:Service.List @ v1.14.0-rc.1). Labels are empty: Talos's pull sets none."""
    for image, pulled_at in lifecycle_of(call.machine).images():
        seconds = int(pulled_at)
        yield image_pb2.ImageServiceListResponse(
            name=image.reference, digest=image.digest, size=sum(size for _layer, size in installer.layers(image)),
            created_at={'seconds': seconds, 'nanos': int((pulled_at - seconds) * 1e9)})
