# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control plane's static pods, as the mirror pods the kubelet shows for them in the API.

Talos renders kube-apiserver, kube-controller-manager and kube-scheduler as static pods in kube-system with
the labels ``tier: control-plane``, ``k8s-app``/``component``/``app.kubernetes.io/name: <component>``,
``app.kubernetes.io/version``, ``app.kubernetes.io/component: control-plane``,
``app.kubernetes.io/managed-by: Talos``, priority class system-cluster-critical and host networking
(``internal/app/machined/pkg/controllers/k8s/control_plane_static_pod.go @ v1.13.9``). The kubelet names
each mirror pod ``<pod>-<nodename>``, marks it with the kubernetes.io/config.* annotations and makes the
Node its controlling owner (kubernetes/kubernetes v1.34.0 ``pkg/kubelet/pod/mirror_client.go:CreateMirrorPod``,
``pkg/kubelet/config/common.go:applyDefaults``).

Talos annotates each static pod with the version of the component's config resource it was rendered from
(``talos.dev/config-version``, simulator.controlplane_config), the secrets status version
(``talos.dev/secrets-version``) and, on kube-apiserver, the config files' status version
(``talos.dev/config-file-version``): ``internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/
apiserver.go:APIServerPod``, ``controller-manager.go``, ``scheduler.go @ v1.14.0-rc.1``. A new config version
is a new static pod, so a new config hash: the kubelet replaces the mirror pod.
"""

from __future__ import annotations

import hashlib
from simulator.kube.api_types import Obj
from simulator.kube.settings import MachineKubeConfig, image_tag

COMPONENTS = ('kube-apiserver', 'kube-controller-manager', 'kube-scheduler')
MIRROR = 'kubernetes.io/config.mirror'
CONFIG_VERSION = 'talos.dev/config-version'  # constants.AnnotationStaticPodConfigVersion @ v1.14.0-rc.1
SECRETS_VERSION = 'talos.dev/secrets-version'  # constants.AnnotationStaticPodSecretsVersion
CONFIG_FILE_VERSION = 'talos.dev/config-file-version'  # constants.AnnotationStaticPodConfigFileVersion
# The k8s ConfigStatus version (admission, audit and authorization files): written once, never changed here.
CONFIG_FILES_VERSION = '1'


def is_mirror(pod: Obj) -> bool:
    return MIRROR in (pod['metadata'].get('annotations') or {})


def mirror_pod(component: str, node: Obj, config: MachineKubeConfig, address: str, now: str,
               config_version: str, secrets_version: str) -> Obj:
    """The mirror pod of ``component``'s static pod, rendered from its config resource at ``config_version``."""
    node_name = node['metadata']['name']
    image = config.images[component]
    talos = {SECRETS_VERSION: secrets_version, CONFIG_VERSION: config_version}
    if component == 'kube-apiserver':
        talos[CONFIG_FILE_VERSION] = CONFIG_FILES_VERSION
    config_hash = hashlib.md5(('%s/%s/%s/%s' % (component, node_name, image, sorted(talos.items()))).encode()
                              ).hexdigest()
    labels = {'tier': 'control-plane', 'k8s-app': component, 'component': component,
              'app.kubernetes.io/name': component, 'app.kubernetes.io/version': image_tag(image).lstrip('v'),
              'app.kubernetes.io/component': 'control-plane', 'app.kubernetes.io/managed-by': 'Talos'}
    return {
        'apiVersion': 'v1', 'kind': 'Pod',
        'metadata': {
            'name': '%s-%s' % (component, node_name), 'namespace': 'kube-system', 'labels': labels,
            'annotations': {'kubernetes.io/config.hash': config_hash, MIRROR: config_hash,
                            'kubernetes.io/config.seen': now, 'kubernetes.io/config.source': 'file', **talos},
            'ownerReferences': [{'apiVersion': 'v1', 'kind': 'Node', 'name': node_name,
                                 'uid': node['metadata']['uid'], 'controller': True}]},
        'spec': {'containers': [{'name': component, 'image': image}], 'hostNetwork': True,
                 'nodeName': node_name, 'priority': 2000000000, 'priorityClassName': 'system-cluster-critical',
                 'restartPolicy': 'Always', 'schedulerName': 'default-scheduler', 'enableServiceLinks': True,
                 'tolerations': [{'effect': 'NoExecute', 'operator': 'Exists'}],
                 'terminationGracePeriodSeconds': 30, 'dnsPolicy': 'ClusterFirst', 'securityContext': {}},
        'status': {'phase': 'Pending', 'hostIP': address, 'podIP': address},
    }
