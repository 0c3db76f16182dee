# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Talos shows what each Kubernetes component runs: the COSI resources a Kubernetes upgrade reads.

A control plane renders each static pod from a config resource in the ``controlplane`` namespace
(pkg/machinery/resources/k8s/{apiserver,controller_manager,scheduler}_config.go, rendered by
internal/app/machined/pkg/controllers/k8s/control_plane.go @ v1.14.0-rc.1); the mirror pod of each carries the
version of that resource in the annotation ``talos.dev/config-version`` (constants.go
AnnotationStaticPodConfigVersion, controllers/k8s/control_plane_static_pod.go @ v1.14.0-rc.1). Every machine's
kubelet image is its KubeletSpec (``k8s`` namespace) and its state the ``kubelet`` Service.

Private module: free to change between releases.
"""

from __future__ import annotations

# component -> (namespace, type, id) of the resource the control plane renders its static pod from
STATIC_POD_CONFIGS = {
    'kube-apiserver': ('controlplane', 'APIServerConfigs.kubernetes.talos.dev', 'kube-apiserver'),
    'kube-controller-manager': ('controlplane', 'ControllerManagerConfigs.kubernetes.talos.dev',
                                'kube-controller-manager'),
    'kube-scheduler': ('controlplane', 'SchedulerConfigs.kubernetes.talos.dev', 'kube-scheduler'),
}
KUBELET_SPEC = ('k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')
KUBELET_SERVICE = ('runtime', 'Services.v1alpha1.talos.dev', 'kubelet')
CONFIG_VERSION_ANNOTATION = 'talos.dev/config-version'

# The Kubernetes objects of the components Talos does not run as static pods or services.
KUBE_SYSTEM = 'kube-system'
KUBE_PROXY = 'kube-proxy'  # DaemonSet, its container and its pods' k8s-app label
