#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: kubernetes_upgrade
short_description: Upgrade the Kubernetes of a Talos cluster
version_added: 0.2.0
description:
  - Upgrades Kubernetes in a Talos cluster the way C(talosctl upgrade-k8s) does - kube-apiserver, then
    kube-controller-manager, then kube-scheduler, each on one control plane after the other; kube-proxy (in each
    control plane's machine config, then its DaemonSet); then the kubelets, control planes first, then workers.
  - Each change sets one image field of a node's running machine configuration (nothing else in it changes) and
    applies it without a reboot, then waits for its effect - the static pod re-rendered and Ready, the kube-proxy
    DaemonSet rolled out, the kubelet restarted and its Kubernetes node reporting the new version and Ready.
  - Nodes come from Kubernetes (control planes carry the label C(node-role.kubernetes.io/control-plane)); each is
    reached through the connection's endpoints at its InternalIP.
  - Before anything changes (check mode too) - the path is refused when it goes up more than one minor version, a
    node's Talos that does not support O(to_version) is refused naming it, and so is anything O(to_version)
    removes that the cluster still uses (flags, feature gates and admission plugins in machine configs, objects of
    API versions no longer served); C(findings) lists them all.
  - Idempotent - a component already on its target image is skipped, so a cluster on O(to_version) is unchanged,
    and a run after a failure picks up where it stopped.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
  - talos.linux.drain
options:
  to_version:
    description:
      - The Kubernetes version to run, for example V(1.36.3) or V(v1.36.3).
    type: str
    required: true
  from_version:
    description:
      - The Kubernetes version the cluster runs now.
      - Unset, the lowest version among the images of the kube-apiserver, kube-controller-manager, kube-scheduler
        and kube-proxy pods in C(kube-system), as C(talosctl upgrade-k8s) detects it; the task fails when none of
        them names a version.
    type: str
  node:
    description:
      - A control plane whose Talos API issues the admin kubeconfig when O(kubeconfig) is not given (the one node
        of C(talosctl upgrade-k8s)). Unset, the inventory host's C(talos_node), else the node behind the endpoint.
      - Only that; the upgrade acts on every node of the cluster (see O(nodes)).
    type: str
  nodes:
    description:
      - The nodes whose kubelet is upgraded, each a Kubernetes node name or address; a name the cluster does not
        have fails the task naming it. Unset, every node.
      - The control-plane components and kube-proxy are upgraded cluster-wide whatever this says.
    type: list
    elements: str
  upgrade_kubelet:
    description:
      - Upgrade the kubelets. V(false) leaves every kubelet as it is.
    type: bool
    default: true
  pre_pull_images:
    description:
      - Pull the new images on the nodes that will run them before the first change (ImageService.Pull, Talos 1.13
        and newer; older nodes are skipped and listed in C(prepull_skipped)). A failed pull fails the task before
        anything changed.
    type: bool
    default: true
  drain:
    description:
      - Cordon and drain each node before its kubelet restarts, and uncordon it once its Kubernetes node is Ready
        again with the new kubelet.
    type: bool
    default: false
  repositories:
    description:
      - The image repository of a component, for a registry mirror. Keys are V(kube-apiserver),
        V(kube-controller-manager), V(kube-scheduler), V(kube-proxy) and V(kubelet); any other key fails the task.
      - The image is C(<repository>:v<to_version>); the kubelet keeps the flavour of its image (C(-fat), C(-slim)).
      - Unset components use Talos's defaults - C(registry.k8s.io/<component>), and C(ghcr.io/siderolabs/kubelet).
    type: dict
  manifests:
    description:
      - After the upgrade (also when nothing needed upgrading), sync Talos's bootstrap manifests (CoreDNS, flannel,
        kube-proxy, their RBAC and namespaces; what the first control plane renders as C(Manifests) resources) into
        the cluster by server-side apply under the field manager C(talos), as C(talosctl upgrade-k8s) does at its
        end. Each object is created, configured or left unchanged (told from a dry run); the ConfigMap
        C(kube-system/talos-bootstrap-manifests-inventory) lists what was applied. An object that names another
        inventory in its C(config.k8s.io/owning-inventory) annotation fails the task.
      - Off by default - it changes objects cluster-wide, which an upgrade alone does not need. Needs Talos 1.13
        or newer on every node (older Talos syncs its manifests another way); checked before anything changes.
      - In check mode the actions are dry runs and nothing is written, the inventory neither.
    type: bool
    default: false
  manifests_prune:
    description:
      - With O(manifests), delete the objects the inventory lists that are no longer rendered (for example
        CoreDNS's after C(cluster.coreDNS.disabled) was set), as C(talosctl upgrade-k8s) does unless
        C(--manifests-no-prune).
    type: bool
    default: true
  manifests_wait:
    description:
      - With O(manifests), wait until the synced DaemonSets and Deployments have rolled out, within O(wait_timeout).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long each step may take, for example a static pod to come back Ready or the kube-proxy rollout. A
        duration such as V(90s), V(5m) or V(1h30m), or a number of seconds.
    type: raw
    default: 300
attributes:
  check_mode:
    support: full
    details: Discovers the nodes, runs every check and returns the plan (C(plan)); changes nothing.
  diff_mode:
    support: full
    details:
      - Shows, for each node's machine configuration and for the kube-proxy DaemonSet, the image fields the plan
        changes (in check mode - would change), before and after; nothing else in them changes.
  idempotent:
    support: full
notes:
  - Needs the role C(os:admin) (the running machine configurations are read and applied).
  - Talos's bootstrap manifests other than kube-proxy's DaemonSet (CoreDNS, flannel, ...) are synced only with
    O(manifests).
seealso:
  - module: talos.linux.upgrade
  - module: talos.linux.drain
'''

EXAMPLES = r'''
- name: Upgrade Kubernetes to 1.36.3 (one minor at most above what runs)
  talos.linux.kubernetes_upgrade:
    to_version: 1.36.3
  run_once: true

- name: What would change
  talos.linux.kubernetes_upgrade:
    to_version: 1.36.3
  check_mode: true
  register: k8s_plan

- name: Control plane and kube-proxy everywhere, the kubelet of two workers only, drained around the restart
  talos.linux.kubernetes_upgrade:
    to_version: 1.36.3
    nodes: [worker-1, worker-2]
    drain: true

- name: Upgrade, then sync Talos's bootstrap manifests (CoreDNS, flannel, ...) as talosctl upgrade-k8s does
  talos.linux.kubernetes_upgrade:
    to_version: 1.36.3
    manifests: true

- name: Images from a mirror
  talos.linux.kubernetes_upgrade:
    to_version: 1.36.3
    repositories:
      kube-apiserver: mirror.example.com/kube-apiserver
      kubelet: mirror.example.com/siderolabs/kubelet
'''

RETURN = r'''
from_version:
  description: The version the cluster ran (given, or detected).
  returned: when the cluster was reached
  type: str
  sample: 1.35.2
to_version:
  description: The target version.
  returned: when the cluster was reached
  type: str
  sample: 1.36.3
controlplanes:
  description: The addresses of the control-plane nodes, as Kubernetes lists them.
  returned: when the cluster was reached
  type: list
  elements: str
workers:
  description: The addresses of the other nodes.
  returned: when the cluster was reached
  type: list
  elements: str
plan:
  description:
    - Each image change, in the order made (in check mode - that would be made). C(component), C(node) (the node
      whose machine configuration changes; V(null) for the kube-proxy DaemonSet), C(from_image), C(to_image).
    - Empty when the cluster runs O(to_version) already.
  returned: when the cluster was reached
  type: list
  elements: dict
  sample:
    - {component: kube-apiserver, node: 10.5.0.2, from_image: "registry.k8s.io/kube-apiserver:v1.35.2",
       to_image: "registry.k8s.io/kube-apiserver:v1.36.3"}
    - {component: kube-proxy, node: null, from_image: "registry.k8s.io/kube-proxy:v1.35.2",
       to_image: "registry.k8s.io/kube-proxy:v1.36.3"}
done:
  description: The steps of C(plan) completed.
  returned: when the cluster was reached
  type: list
  elements: dict
remaining:
  description: The steps of C(plan) not completed (on failure, the failed step first); empty after a full run.
  returned: when the cluster was reached
  type: list
  elements: dict
prepull_skipped:
  description: The nodes where an image was not pre-pulled, with why.
  returned: when the cluster was reached
  type: list
  elements: str
manifests:
  description:
    - With O(manifests), each bootstrap manifest object in the order applied, then the pruned ones - C(kind),
      C(namespace) (V(null) for a cluster-scoped object), C(name) and C(action), one of V(created), V(configured),
      V(unchanged) or V(pruned) (in check mode - what would be done).
  returned: when O(manifests) is true and the cluster was reached
  type: list
  elements: dict
  sample:
    - {kind: Deployment, namespace: kube-system, name: coredns, action: configured}
findings:
  description: What O(to_version) removes that the cluster still uses - C(node) (V(null) for API resources),
    C(component), C(kind) and C(value).
  returned: when the checks found something (the task fails)
  type: list
  elements: dict
msg:
  description: What happened.
  returned: always
  type: str
node:
  description: The node of the step that failed; V(null) when no node is concerned.
  returned: failure
  type: str
grpc_code:
  description: The gRPC status code of the error that failed the task; V(null) when no API call failed.
  returned: failure
  type: str
  sample: UNAVAILABLE
endpoint:
  description: The endpoint the failing call went through; V(null) when unknown.
  returned: failure
  type: str
'''

from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.plan import plan_diff
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.upgrade import kubernetes_upgrade
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import drain_options


@TalosModule.entry_point(
    argument_spec={
        'to_version': {'type': 'str', 'required': True},
        'from_version': {'type': 'str'},
        'node': {'type': 'str'},
        'nodes': {'type': 'list', 'elements': 'str'},
        'upgrade_kubelet': {'type': 'bool', 'default': True},
        'pre_pull_images': {'type': 'bool', 'default': True},
        'repositories': {'type': 'dict'},
        'wait_timeout': {'type': 'raw', 'default': 300},
        'manifests': {'type': 'bool', 'default': False},
        'manifests_prune': {'type': 'bool', 'default': True},
        'manifests_wait': {'type': 'bool', 'default': True},
        **drain_options(uncordon=False),
        'drain': {'type': 'bool', 'default': False},
    },
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    node = params['node']
    settings = talos.connection_settings([node] if node else None)

    async def work(client):
        return await kubernetes_upgrade(client, params, talos.module.check_mode, talos.module.warn)

    result = talos.run(settings, work)
    if talos.module._diff:  # pylint: disable=protected-access  # AnsibleModule's public-in-practice diff flag
        result['diff'] = plan_diff(result['plan'])
    talos.module.exit_json(**result)


if __name__ == '__main__':
    main()
