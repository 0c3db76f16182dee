#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade
short_description: Upgrade (or downgrade) Talos on a node
version_added: 0.1.0
description:
  - Installs another Talos release on O(node) from an installer image and reboots the node into it.
  - Idempotent - a node that already runs the target version (and the image's Image Factory schematic, when the
    image names one) is left alone and reported unchanged.
  - The node's version picks the API, as C(talosctl upgrade) does. Nodes newer than 1.13.0-alpha.2 pull the
    image (ImageService.Pull), run the installer (LifecycleService.Upgrade, whose output is returned; a non-zero
    exit code fails the task with the installer's last lines and the node keeps running its old release), then
    reboot (MachineService.Reboot). Older nodes use the legacy MachineService.Upgrade, which does all of it on
    the node.
  - On a control plane, refuses when etcd would lose quorum with this node down (see M(talos.linux.etcd_info)),
    unless O(force).
  - Like C(talosctl upgrade), the LifecycleService path cordons and drains the Kubernetes node after the install and
    before the reboot, and uncordons it once it is back and Ready (see O(drain)). The legacy API drains on the
    node's side.
  - Before anything changes (check mode too), refuses a jump the target's installer would refuse (Talos's
    upgrade rules, for example Talos 1.15 installs only on 1.13.0 or newer), naming the node, the rule and the
    path to take (C(path)); O(force) does not skip it. Also refuses when the node's Kubernetes (its kubelet) is
    outside the range the target supports ("upgrade Kubernetes first"), unless O(force).
  - Nothing is retried; a request that may have reached the node is never sent twice.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
  - talos.linux.drain
  - talos.linux.drain.uncordon
options:
  node:
    description:
      - The node to upgrade.
      - Unset, the inventory host's C(talos_node), else the single node of the talosconfig context. Without any
        of them the task fails (in check mode too) - this module never acts on the node behind the endpoint.
        An empty value is an error.
    type: str
  image:
    description:
      - Installer image, for example V(factory.talos.dev/metal-installer/<schematic>:v1.14.1). Given, it wins
        over what the node runs.
      - Without it, O(version) picks the installer from what the node runs, as Talos builds installer references
        (C(<factory>/<platform>-installer[-secureboot]/<schematic>:<version>)) - the schematic ID and factory of
        the node's C(ImageFactorySchematic) resource (Talos 1.14 and newer; an empty API URL means
        V(factory.talos.dev)), else its C(schematic) system extension; the platform the node reports (for example
        V(aws-installer)), and V(-secureboot) when the node booted with SecureBoot.
      - A node without a schematic gets Image Factory's default (empty) schematic for targets from Talos 1.14 on,
        where Talos publishes its installer only through Image Factory, and also below 1.14 when it boots with
        SecureBoot; below 1.14 otherwise the plain installer of Talos's own registry. A node that runs system
        extensions without an Image Factory schematic needs O(image) for targets from 1.14 on.
    type: str
  version:
    description:
      - Talos version to run, for example V(v1.14.1). Must match the tag of O(image) when both are given.
      - Required when O(image) carries no version tag (for example a digest-pinned reference).
    type: str
  api:
    description:
      - V(auto) picks the API by the node's version; V(lifecycle) and V(legacy) force one (both exist on 1.13).
    type: str
    choices: [auto, lifecycle, legacy]
    default: auto
  reboot_mode:
    description:
      - V(default) reboots via kexec when possible; V(powercycle) skips kexec.
    type: str
    choices: [default, powercycle]
    default: default
  stage:
    description:
      - Legacy API only - stage the upgrade and perform it during the next boot (for nodes that cannot unmount
        their volumes while running).
    type: bool
    default: false
  preserve:
    description:
      - Legacy API only - ask the installer to preserve data (Talos keeps data on upgrade anyway since 1.8).
    type: bool
    default: false
  force:
    description:
      - Upgrade a control plane even when etcd would lose quorum while it is down. On the legacy API this also
        skips the node's own etcd checks.
      - Also upgrade when the target does not support the node's Kubernetes version (a warning says so; Talos's
        installer does not check Kubernetes). It never skips the upgrade-path check, which the installer
        enforces.
    type: bool
    default: false
  wait:
    description:
      - Wait until the node is back with a new boot ID, running the target version and ready.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait for the image pull and installer, and then again for the node to come back (and, to
        uncordon it, be Ready in Kubernetes). A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 900
  drain:
    description:
      - Cordon the Kubernetes node and evict its pods before the reboot into the new release.
      - Unset, talosctl's default applies - V(true) on the LifecycleService path (Talos 1.13 and newer), V(false)
        on the legacy path, where Talos cordons and drains the node itself. C(drain.enabled) reports the value used.
      - A drain that does not finish within O(drain_timeout) fails the task before the reboot; the new release is
        installed but not running, and the node stays cordoned.
    type: bool
    version_added: 0.1.0
  reboot:
    description:
      - V(false) installs the new release and stops there (LifecycleService path, Talos 1.13 and newer; the legacy
        API fails naming this option) - no drain, no reboot. The node runs its old release until a later reboot
        (for example M(talos.linux.reboot)), which boots the new one. C(staged) is V(true).
      - Not idempotent while staged - the node still reports its old version, and Talos shows no pending install,
        so running the task again before the reboot installs again (harmlessly, at the cost of a pull and an
        install).
    type: bool
    default: true
    version_added: 0.1.0
  prepull:
    description:
      - Nodes to pull the installer on while this node reboots (after its install), all at once, each its own
        installer for the same target version (its schematic, platform and SecureBoot; O(image) when given) - so
        the next upgrades of a rollout skip the pull. Needs Talos 1.13 or newer on those nodes.
      - A failed pre-pull is a warning, never a failure; C(prepulled) reports each node.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    details: Reads the node's version, schematic, platform and SecureBoot state, checks the upgrade path, the
      Kubernetes version and the etcd quorum, lists the pods a drain would evict (C(drain.evicted)) and the images
      O(prepull) would pull; reports what would be done, including the installer image.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: A node on the target version is left alone; a node staged with O(reboot=false) is installed again
      until it is rebooted.
notes:
  - Needs the role C(os:admin).
  - Talos publishes no C(ghcr.io/siderolabs/installer) image from 1.14 on; this module never picks it for such a
    target.
seealso:
  - plugin: talos.linux.upgrade_path
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Upgrade a node to the schematic and version it should run
  talos.linux.upgrade:
    node: 10.5.0.7
    image: factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.14.1

- name: Same schematic, new version
  talos.linux.upgrade:
    node: 10.5.0.7
    version: v1.14.1

- name: Upgrade a node running pods with emptyDir scratch space, with more time for slow budgets
  talos.linux.upgrade:
    node: 10.5.0.7
    version: v1.14.1
    delete_emptydir_data: true
    drain_timeout: 15m

- name: Rolling upgrade, one control plane at a time, the next one pulling its installer meanwhile
  talos.linux.upgrade:
    node: "{{ item }}"
    version: v1.14.1
    prepull: "{{ groups['controlplane'][ansible_loop.index : ansible_loop.index + 1] }}"
  loop: "{{ groups['controlplane'] }}"
  loop_control:
    extended: true

- name: Install everywhere now, reboot later
  talos.linux.upgrade:
    node: 10.5.0.7
    version: v1.14.1
    reboot: false

- name: The reboot that boots the staged release
  talos.linux.reboot:
    node: 10.5.0.7

- name: From Talos 1.12 to 1.15, one upgrade per hop (1.15 installs only on 1.13.0 or newer)
  talos.linux.upgrade:
    node: 10.5.0.7
    version: "{{ item }}"
  loop: "{{ 'v1.12.6' | talos.linux.upgrade_path('v1.15.0', available=['v1.13.8', 'v1.13.9', 'v1.14.3']) }}"
'''

RETURN = r'''
node:
  description: The node upgraded.
  returned: always
  type: str
old_version:
  description: Talos version before.
  returned: always
  type: str
  sample: v1.13.4
new_version:
  description: Talos version after (the old one when unchanged, in check mode or without O(wait)).
  returned: always
  type: str
  sample: v1.14.1
target_version:
  description: The version asked for.
  returned: always
  type: str
image:
  description: The installer image used (or that would be used).
  returned: always
  type: str
  sample: "factory.talos.dev/aws-installer-secureboot/\
    376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.14.1"
platform:
  description: The platform the node reports, lowercased (the installer's C(<platform>-installer) name).
  returned: always
  type: str
  sample: metal
  version_added: 0.1.0
secureboot:
  description: Whether the node booted with SecureBoot (its C(SecurityState)); such a node gets the -secureboot
    installer.
  returned: always
  type: bool
  version_added: 0.1.0
factory:
  description: Registry host of the Image Factory the installer comes from; V(null) when the image names no
    schematic.
  returned: always
  type: str
  sample: factory.talos.dev
  version_added: 0.1.0
path:
  description:
    - The versions from the node's to the target, both included; just the node's when nothing was to be done.
    - When the target's installer would refuse the node's version, the path to take instead, hops between
      named by Talos line (V(newest v1.13.x)).
  returned: always
  type: list
  elements: str
  sample: [v1.12.6, newest v1.13.x, v1.15.0]
  version_added: 0.1.0
staged:
  description: Whether the new release was installed without a reboot (O(reboot=false)); the node runs its old
    release until rebooted.
  returned: always
  type: bool
  version_added: 0.1.0
prepulled:
  description: For each node of O(prepull), the pinned image pulled there (check mode - the image that would be),
    or C(failed) and why.
  returned: when O(prepull) lists nodes
  type: dict
  sample: {10.5.0.8: "factory.talos.dev/metal-installer/3765...b4ba@sha256:0123...", 10.5.0.9: "failed: ..."}
  version_added: 0.1.0
old_schematic:
  description: Image Factory schematic ID the node ran before; V(null) for plain installer images.
  returned: always
  type: str
new_schematic:
  description: Image Factory schematic ID after.
  returned: always
  type: str
api:
  description: V(lifecycle) or V(legacy); V(null) when nothing was to be done.
  returned: always
  type: str
installer_output:
  description: Lines the installer printed (LifecycleService API).
  returned: always
  type: list
  elements: str
pulled_image:
  description: The pinned reference the image was pulled as (LifecycleService API).
  returned: when the image was pulled
  type: str
durations:
  description: Seconds spent in each step - C(pull), C(install), C(reboot) (LifecycleService API) or C(upgrade)
    (legacy API), and C(total).
  returned: always
  type: dict
actor_id:
  description: ID of the reboot or upgrade sequence in the node's events.
  returned: when the upgrade ran
  type: str
boot_id:
  description: Boot ID after the upgrade.
  returned: when the upgrade ran with O(wait)
  type: str
boot_id_before:
  description: Boot ID before the upgrade (V(null) without C(os:admin)).
  returned: when the upgrade ran
  type: str
  version_added: 0.2.0
quorum:
  description: The etcd quorum verdict of a control plane; V(null) otherwise.
  returned: always
  type: dict
drain:
  description:
    - What the drain did (in check mode - would do). C(enabled) is the effective O(drain) (V(false)
      when nothing was to be upgraded); the other keys are there
      when it ran - C(node_name) (the Kubernetes node), C(cordoned) (whether it is cordoned now), C(already_cordoned)
      (it was before the task), C(evicted) (C(namespace/name) of each pod evicted and gone, in check mode those
      that would be), C(skipped) (C(pod) and C(reason) of each pod left alone), C(unmanaged) (evicted pods no
      controller recreates), C(uncordoned), C(duration) (seconds the evictions took) and C(note).
    - Also returned when the task fails after the drain began.
  returned: always
  type: dict
  sample:
    enabled: true
    node_name: worker-1
    cordoned: false
    already_cordoned: false
    evicted: [default/web-7d4b9c8f6-x2x7q]
    skipped: [{pod: kube-system/kube-proxy-8cvxz, reason: DaemonSet-managed}]
    unmanaged: []
    uncordoned: true
    duration: 3.2
    note: ""
msg:
  description: What happened.
  returned: always
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
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep, drain_options
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade import upgrade


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'image': {'type': 'str'},
        'version': {'type': 'str'},
        'api': {'type': 'str', 'choices': ['auto', 'lifecycle', 'legacy'], 'default': 'auto'},
        'reboot_mode': {'type': 'str', 'choices': ['default', 'powercycle'], 'default': 'default'},
        'stage': {'type': 'bool', 'default': False},
        'preserve': {'type': 'bool', 'default': False},
        'force': {'type': 'bool', 'default': False},
        'wait': {'type': 'bool', 'default': True},
        'wait_timeout': {'type': 'raw', 'default': 900},
        'reboot': {'type': 'bool', 'default': True},
        'prepull': {'type': 'list', 'elements': 'str', 'default': []},
        **drain_options(uncordon=True),
    },
    required_one_of=[('image', 'version')],
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = talos.params
    settings, node = talos.destructive_target('upgrade')
    address = settings.node_label(node)

    async def work(client):
        async with DrainStep(params, 'upgrade', client, node) as drain:
            return await upgrade(client, node, image=params['image'], version=params['version'], api=params['api'],
                                 reboot_mode=params['reboot_mode'], stage=params['stage'],
                                 preserve=params['preserve'], force=params['force'], wait=params['wait'],
                                 timeout=params['wait_timeout'], check_mode=talos.module.check_mode, drain=drain,
                                 reboot=params['reboot'], prepull_nodes=params['prepull'], warn=talos.module.warn)

    # A failure after the upgrade started carries its partial result (changed: whether anything ran).
    talos.module.exit_json(node=address, **talos.run(settings, work, node=address))


if __name__ == '__main__':
    main()
