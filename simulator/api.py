# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generated gRPC method tables and message modules the simulator serves, in one place."""

from __future__ import annotations

from typing import Iterator

from ansible_collections.talos.linux.plugins.module_utils._api.cluster import cluster_grpc
from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import meta_pb2, resource_pb2, state_grpc
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_grpc, lifecycle_grpc
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_grpc, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.resource.definitions.cluster import cluster_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.resource.definitions.network import network_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.resource.definitions.runtime import runtime_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.storage import storage_grpc
from ansible_collections.talos.linux.plugins.module_utils._rpc_method import RpcMethod

MachineService = machine_grpc.MachineService
LifecycleService = lifecycle_grpc.LifecycleService
ImageService = image_grpc.ImageService
StorageService = storage_grpc.StorageService
ClusterService = cluster_grpc.ClusterService
State = state_grpc.State

SERVICES = (MachineService, LifecycleService, ImageService, StorageService, ClusterService, State)

__all__ = [
    'SERVICES', 'MachineService', 'LifecycleService', 'ImageService', 'StorageService', 'ClusterService', 'State',
    'RpcMethod', 'methods', 'common_pb2', 'machine_pb2', 'meta_pb2', 'resource_pb2', 'state_pb2', 'config_pb2',
    'network_pb2', 'runtime_pb2', 'cluster_pb2',
]


def methods() -> Iterator[RpcMethod]:
    """Every method of every served service (tables list methods by object or by name)."""
    for service in SERVICES:
        for entry in service.METHODS:
            yield getattr(service, entry) if isinstance(entry, str) else entry
