# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ImageService.List (1.13+): the images in the machine's containerd, pulled installers and Kubernetes images."""

from __future__ import annotations

from typing import Any, AsyncIterator

from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2

from simulator import containerd_instances, installer, kube_image_store
from simulator.api import ImageService
from simulator.calls import Call, server_stream
from simulator.lifecycle import lifecycle_of


def _record(name: str, digest: str, layers: list[tuple[str, int]], pulled_at: float) -> Any:
    seconds = int(pulled_at)
    return image_pb2.ImageServiceListResponse(
        name=name, digest=digest, size=sum(size for _layer, size in layers),
        created_at={'seconds': seconds, 'nanos': int((pulled_at - seconds) * 1e9)})


@server_stream(ImageService.List)
async def list_images(call: Call) -> AsyncIterator[Any]:
    """One message per image record: its name as pulled, the digest it points to, its size, when it was
    created (internal/app/images/images.go:Service.List @ v1.14.0-rc.1). Labels are empty: Talos's pull sets none.

    Installers first (talos-sim keeps them in one store, listed whatever the request names, even no instance),
    then the Kubernetes images of the instance the request names, checked as Talos checks it."""
    instance = (containerd_instances.of_image_service(call.request.containerd)
                if call.request.HasField('containerd') else None)
    for image, pulled_at in lifecycle_of(call.machine).images():
        yield _record(image.reference, image.digest, installer.layers(image), pulled_at)
    for kube, pulled_at in kube_image_store.images(call.machine, instance) if instance else ():
        yield _record(kube.reference, kube.digest, kube.layers(), pulled_at)
