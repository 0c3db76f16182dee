# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local implementations of Talos RPCs, registered by method path when their module is imported."""

from __future__ import annotations

from typing import Optional

from simulator.calls import HANDLERS, Registered
from simulator.handlers import apply, cosi, etcd, kubeconfig, lifecycle, machine, meta, services
from simulator.handlers import health, images, watch

MODULES = (apply, cosi, etcd, health, images, kubeconfig, lifecycle, machine, meta, services, watch)


def lookup(path: str) -> Optional[Registered]:
    """The local handler of a method, or None when talos-sim doesn't emulate it (yet)."""
    return HANDLERS.get(path)
