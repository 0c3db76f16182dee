# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which containerd (and which of its namespaces) an image request addresses, refused as Talos refuses it.

A Talos node runs two containerd daemons: the system one (driver CONTAINERD, Talos's own services) and the CRI one
(driver CRI, the kubelet's). An instance here is (daemon, namespace): namespace ``system`` or ``k8s.io``
(constants.go SystemContainerdNamespace, K8sContainerdNamespace @ v1.14.0-rc.1). upgrade-k8s pre-pulls the control
plane's images into the CRI namespace and the kubelet into the system one, both through the CRI daemon
(pkg/cluster/kubernetes/talos_managed.go:prePullImages @ v1.14.0-rc.1).
"""

from __future__ import annotations

from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2

Instance = tuple[str, str]  # (daemon: 'system' or 'cri', namespace: 'system' or 'k8s.io')

_NAMESPACES = {common_pb2.ContainerdNamespace.Value('NS_SYSTEM'): 'system',
               common_pb2.ContainerdNamespace.Value('NS_CRI'): 'k8s.io'}
_DAEMONS = {common_pb2.ContainerDriver.Value('CONTAINERD'): 'system', common_pb2.ContainerDriver.Value('CRI'): 'cri'}


def _name(enum: Any, value: int) -> str:
    """An enum value as Go's %s prints it: its name, or its number when the enum has no such value."""
    try:
        return enum.Name(value)
    except ValueError:
        return str(value)


def of_image_service(containerd: Any) -> Instance:
    """The instance of an ImageService request's ``containerd``
    (internal/app/internal/ctrhelper/ctrhelper.go:ContainerdInstanceHelper @ v1.14.0-rc.1)."""
    daemon = _DAEMONS.get(containerd.driver)
    if daemon is None:
        raise GRPCError(Status.INVALID_ARGUMENT, 'invalid containerd driver %s'
                        % _name(common_pb2.ContainerDriver, containerd.driver))
    namespace = _NAMESPACES.get(containerd.namespace)
    if namespace is None:
        raise GRPCError(Status.INVALID_ARGUMENT, 'invalid containerd namespace %s'
                        % _name(common_pb2.ContainerdNamespace, containerd.namespace))
    if daemon == 'system' and namespace == 'k8s.io':
        raise GRPCError(Status.INVALID_ARGUMENT, 'cannot use CRI namespace with containerd driver')
    return daemon, namespace


def of_legacy(namespace: int) -> Instance:
    """The instance of the legacy MachineService.ImagePull: always the CRI daemon, the namespace asked for
    (internal/app/machined/internal/server/v1alpha1/v1alpha1_images.go:containerdNamespaceHelper @ v1.14.0-rc.1)."""
    name = _NAMESPACES.get(namespace)
    if name is None:
        raise GRPCError(Status.INVALID_ARGUMENT,
                        'invalid namespace %s' % _name(common_pb2.ContainerdNamespace, namespace))
    return 'cri', name
