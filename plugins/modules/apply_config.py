#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: apply_config
short_description: Apply a machine configuration to a Talos node, only where it differs
version_added: 0.1.0
description:
  - Compares the desired machine configuration (O(config) or O(src), then O(patches)) with the one O(node) runs and
    applies it (MachineService.ApplyConfiguration) only when they differ. Configs are compared as parsed documents,
    so comments, formatting and the order of keys and documents do not count.
  - The mode is chosen for the node's Talos version and always sent explicitly. On Talos 1.13 and older, V(auto)
    applies without a reboot when Talos can take the change live and reboots otherwise; on 1.14 and newer every
    change is applied live.
  - A machine in maintenance mode (O(insecure=true)) gets its first configuration and leaves maintenance mode
    (any mode but V(staged)), then installs and reboots or, when Talos is already on its disk, boots on without a
    reboot; a V(try) configuration is kept in memory only. With O(wait) the module waits until it serves the Talos
    API with mutual TLS from the configuration's OS CA; RV(rebooted) says which of the two happened.
  - Invalid YAML, unknown documents or fields and configs that fail Talos's basic validation are refused before
    anything is sent; other validation errors come from the node (gRPC C(INVALID_ARGUMENT)) and change nothing.
  - The request is sent once and never retried.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
extends_documentation_fragment:
  - talos.linux.connection
  - talos.linux.attributes
  - talos.linux.attributes.actiongroup_talos
options:
  node:
    description:
      - The node to configure. Defaults to the node behind the endpoint (with O(insecure), the first endpoint).
      - One node per task, as every mutating module of this collection; loop or use an inventory for many.
    type: str
  config:
    description:
      - The complete machine configuration, as YAML text (one or several documents), a mapping (one document) or a
        list of mappings (several documents).
      - Text is sent as given (comments included) when there are no O(patches).
      - Mutually exclusive with O(src).
    type: raw
  src:
    description:
      - Path of a file holding the machine configuration (for example written by M(talos.linux.machine_config)).
      - Mutually exclusive with O(config).
    type: path
  patches:
    description:
      - Patches applied in order to the configuration before it is compared and sent, in the forms
        M(talos.linux.machine_config) takes (strategic merge mappings or lists of mappings, RFC 6902 operations,
        YAML or JSON text, V(@path)).
      - Patches may carry key material, so the task's C(invocation) shows them with secret values masked, as
        M(talos.linux.machine_config) does.
    type: list
    elements: raw
    default: []
  mode:
    description:
      - V(auto) lets Talos decide; on Talos 1.13 and older it reboots when the change cannot be applied live.
      - V(no_reboot) applies live; on Talos 1.13 and older a change that needs a reboot fails with Talos's reason.
      - V(reboot) persists the configuration and reboots (Talos 1.13 and older only; 1.14 refuses it).
      - V(staged) writes the configuration for the next reboot only.
      - V(try) applies live without persisting it; Talos reverts it after O(try_timeout) unless another apply
        (not in try mode) comes first.
    type: str
    choices: [auto, no_reboot, reboot, staged, try]
    default: auto
  try_timeout:
    description:
      - How long a V(try) configuration lasts before Talos reverts it. Talos's default (one minute) when not set.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
  wait:
    description:
      - Wait until the node runs the applied configuration; after a reboot, until it is back with a new boot ID,
        running and ready.
      - For a machine that was in maintenance mode, until it serves the Talos API with mutual TLS from the
        configuration's OS CA; and, when mTLS credentials for that CA are given (O(talosconfig), O(ca),
        O(client_cert), O(client_key)), until it is running and ready and reports the configuration as running.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 600
attributes:
  check_mode:
    support: full
    details:
      - Reads the node's configuration and predicts RV(ignore:changed), RV(mode) and RV(rebooted) without applying
        anything. When no try-mode configuration is pending, the node also validates the configuration in a dry
        run (a dry run would cancel a pending try's revert, so it is skipped then).
  diff_mode:
    support: full
    details:
      - Shows the running configuration (the persisted one for O(mode=staged)) against the desired one, with every
        key, token and secret replaced by C(**REDACTED**).
  idempotent:
    support: full
    details:
      - A node that already runs (and has persisted) the desired configuration is left alone; no mutating call is
        made.
notes:
  - Needs the role C(os:admin) on a configured node; in maintenance mode no client certificate is used.
  - O(insecure=true) on a node that already left maintenance mode with this configuration's OS CA is handled as a
    configured node when mTLS credentials for that CA are available, so first-boot playbooks can run again.
  - Talos's validation warnings are returned as Ansible warnings.
seealso:
  - module: talos.linux.machine_config
  - module: talos.linux.reboot
'''

EXAMPLES = r'''
- name: First configuration of a machine in maintenance mode
  talos.linux.apply_config:
    node: 10.5.0.2
    insecure: true
    src: "{{ cluster_dir }}/controlplane.yaml"
    patches:
      - machine:
          network:
            hostname: cp-1

- name: Enforce the configuration of every node, reporting the drift
  talos.linux.apply_config:
    node: "{{ talos_node }}"
    src: "{{ cluster_dir }}/{{ talos_role }}.yaml"
  register: applied

- name: Stage a change for the next reboot
  talos.linux.apply_config:
    node: 10.5.0.7
    src: worker.yaml
    mode: staged
'''

RETURN = r'''
node:
  description: The node configured.
  returned: always
  type: str
mode:
  description:
    - The mode Talos used (V(no_reboot), V(reboot), V(staged), V(try)); in check mode the mode it would use.
    - V(null) when nothing was to be applied.
  returned: always
  type: str
rebooted:
  description:
    - Whether the node rebooted because of the apply (or would reboot, in check mode, on a configured node).
    - For a machine that was in maintenance mode this is read from the node after the apply, not predicted
      (without Talos on its disk it installs and reboots; already installed, for example after a reset that
      wiped only STATE, it boots on without a reboot). V(null) when it cannot be told - check mode, O(wait=false),
      or no mTLS credentials for the configuration's OS CA; V(false) for a V(staged) configuration, which waits
      in maintenance mode for the next boot.
  returned: always
  type: bool
mode_details:
  description: Talos's description of what it did (config diffs in it are redacted), or why a reboot is needed.
  returned: always
  type: str
maintenance:
  description: Whether the node was in maintenance mode (this was its first configuration).
  returned: always
  type: bool
talos_version:
  description: Talos version the node ran before the apply.
  returned: always
  type: str
boot_id_before:
  description: Boot ID before a reboot.
  returned: when the apply rebooted a configured node
  type: str
boot_id:
  description: Boot ID after a reboot.
  returned: when the node rebooted and O(wait) (for a first configuration, when mTLS credentials were given)
  type: str
version_before:
  description: Talos version before a reboot.
  returned: when the apply rebooted a configured node
  type: str
  version_added: 0.2.0
version:
  description: Talos version the node runs once back.
  returned: when the node rebooted and O(wait) (for a first configuration, when mTLS credentials were given)
  type: str
  version_added: 0.2.0
stage:
  description: The node's stage (MachineStatus) once back.
  returned: when the node rebooted and O(wait) (for a first configuration, when mTLS credentials were given)
  type: str
  version_added: 0.2.0
ready:
  description: Whether the node was ready (MachineStatus) when the wait ended.
  returned: when the node rebooted and O(wait) (for a first configuration, when mTLS credentials were given)
  type: bool
  version_added: 0.2.0
unmet_conditions:
  description: Talos's unmet readiness conditions (C(name), C(reason)) when the wait ended.
  returned: when the node rebooted and O(wait) (for a first configuration, when mTLS credentials were given)
  type: list
  elements: dict
  version_added: 0.2.0
duration:
  description: Seconds from the apply until the node was back.
  returned: when the apply rebooted a configured node, or for a first configuration with O(wait)
  type: float
  version_added: 0.2.0
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

from ansible_collections.talos.linux.plugins.module_utils.apply.apply_config import apply_config
from ansible_collections.talos.linux.plugins.module_utils.apply.desired_config import desired_config
from ansible_collections.talos.linux.plugins.module_utils.apply.options import ApplyOptions
from ansible_collections.talos.linux.plugins.module_utils.apply.tls_probe import shares_ca, trusted_cas
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact
from ansible_collections.talos.linux.plugins.module_utils.frontend.module import TalosModule


def _mtls_settings(options, cas):
    """The mTLS twin of the task's insecure connection options, if they give one that trusts the config's OS CA.

    The talosconfig is read here only: the insecure settings need none unless a context is named.
    """
    try:
        settings = settings_from_options(dict(options, insecure=False))
    except TalosError:
        return None
    return settings if shares_ca(settings.ca, cas) else None


@TalosModule.entry_point(
    argument_spec={
        'node': {'type': 'str'},
        'config': {'type': 'raw', 'no_log': True},
        'src': {'type': 'path'},
        # Patches may carry key material (a CA, a token): shown redacted below, never as given.
        'patches': {'type': 'list', 'elements': 'raw', 'default': [], 'no_log': True},
        'mode': {'type': 'str', 'choices': ['auto', 'no_reboot', 'reboot', 'staged', 'try'], 'default': 'auto'},
        'try_timeout': {'type': 'raw'},
        'wait': {'type': 'bool', 'default': True},
        'wait_timeout': {'type': 'raw', 'default': 600},
    },
    mutually_exclusive=[('config', 'src')],
    required_one_of=[('config', 'src')],
    supports_check_mode=True,
)
def main(talos: TalosModule) -> None:
    params = redact.shown_parameters(talos.module, {
        'patches': [redact.redact_patch(patch) for patch in talos.params['patches']]})
    desired = desired_config(params['config'], params['src'], params['patches'],
                             require_v1alpha1=not params['insecure'])
    node = params['node']
    nodes = [node] if node else None
    settings = talos.connection_settings(nodes)
    options = ApplyOptions(desired, params['mode'], params['try_timeout'], params['wait'], params['wait_timeout'],
                           talos.module.check_mode)
    secure = None
    if params['insecure']:
        mtls = _mtls_settings(talos.connection_options(nodes), trusted_cas(desired.config))
        secure = (lambda: TalosClient(mtls)) if mtls is not None else None

    result = talos.run(settings, lambda client: apply_config(client, node, options, secure))
    for warning in result.pop('warnings'):
        talos.module.warn(warning)
    diff = result.pop('diff')
    if talos.module._diff:  # pylint: disable=protected-access  # AnsibleModule's public-in-practice diff flag
        result['diff'] = diff
    talos.module.exit_json(**result)


if __name__ == '__main__':
    main()
