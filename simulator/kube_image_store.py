# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes images in each machine's containerd instances: what a pull put there, kept per instance.

An image pulled into one instance (daemon and namespace, simulator.containerd_instances) is not in another, as with
containerd; a pull of an image already present answers at once (image.WithSkipIfAlreadyPulled in
internal/app/images/images.go:Service.Pull @ v1.14.0-rc.1). Images stay on the machine's disk across reboots.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import TYPE_CHECKING

from simulator import kube_images
from simulator.containerd_instances import Instance
from simulator.kube_images import KubeImage

if TYPE_CHECKING:
    from simulator.machine import Machine

# machine -> instance -> name (tagged and pinned) -> (image, when it entered containerd)
_STORES: 'weakref.WeakKeyDictionary[Machine, dict[Instance, dict[str, tuple[KubeImage, float]]]]' = (
    weakref.WeakKeyDictionary())


def _store(machine: 'Machine', instance: Instance) -> dict[str, tuple[KubeImage, float]]:
    return _STORES.setdefault(machine, {}).setdefault(instance, {})


async def pull(machine: 'Machine', instance: Instance, reference: str, delay: float) -> tuple[KubeImage, bool]:
    """(image, already present); ImageNotFound for a tag no registry has. A new image takes ``delay`` seconds."""
    store = _store(machine, instance)
    known = store.get(reference.strip())
    if known is not None:
        return known[0], True
    image = kube_images.resolve(reference)
    if delay:
        await asyncio.sleep(delay)
    record = store.get(image.reference) or (image, time.time())  # a concurrent pull of it may have landed
    store[image.reference] = store[image.pinned] = record
    return image, False


def images(machine: 'Machine', instance: Instance) -> list[tuple[KubeImage, float]]:
    """The instance's images (one record per tagged name), oldest first."""
    records = [record for name, record in _store(machine, instance).items() if name == record[0].reference]
    return sorted(records, key=lambda record: record[1])
