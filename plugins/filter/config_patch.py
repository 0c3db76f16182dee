# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: config_patch
short_description: Patch a Talos machine configuration
version_added: 0.1.0
description:
  - Applies patches in order to a Talos machine configuration, as C(talosctl machineconfig patch) and
    C(--config-patch) do, and returns the result encoded as Talos encodes it (comments disabled).
  - Strategic merge patches follow upstream's rules (C($patch) V(delete), multi-document patches, lists merged
    by their identifying key or appended); RFC 6902 patches apply to single-document configurations.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - C(PyYAML) >= 6.0 on the controller.
positional: patches
options:
  _input:
    description: The machine configuration, as YAML text (one or several documents).
    type: str
    required: true
  patches:
    description:
      - The patches, or one patch (a single RFC 6902 patch may be given as its list of operations).
      - Each is a mapping (one strategic merge patch document), a list of
        mappings (a multi-document strategic merge patch), a list of RFC 6902 operations, a YAML or JSON
        string, or V(@path) to read the patch from a file on the controller.
    type: list
    elements: raw
    required: true
seealso:
  - plugin: talos.linux.config_diff
    plugin_type: filter
  - module: talos.linux.machine_config
'''

EXAMPLES = r'''
- name: Set the hostname in a configuration held in a variable
  ansible.builtin.set_fact:
    node_config: "{{ base_config | talos.linux.config_patch([{'machine': {'network': {'hostname': 'cp-1'}}}]) }}"

- name: Patches from files, in order
  ansible.builtin.set_fact:
    node_config: "{{ base_config | talos.linux.config_patch(['@patches/common.yaml', '@patches/cp-1.yaml']) }}"

- name: Remove a document with a delete directive
  ansible.builtin.set_fact:
    node_config: >-
      {{ base_config | talos.linux.config_patch(
           'apiVersion: v1alpha1\nkind: KmsgLogConfig\nname: remote\n$patch: delete\n') }}
'''

RETURN = r'''
_value:
  description: The patched machine configuration (YAML); the input unchanged when there are no patches.
  type: str
'''

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents


def _is_operation_list(value: Any) -> bool:
    """One RFC 6902 patch given directly as its list of operations."""
    return isinstance(value, list) and bool(value) and all(isinstance(op, dict) and 'op' in op for op in value)


def config_patch(config: Any, patches: Any) -> str:
    if not documents.HAS_YAML:
        raise AnsibleFilterError('talos.linux.config_patch needs the PyYAML Python library')
    if not isinstance(config, str):
        raise AnsibleFilterError('talos.linux.config_patch: the input must be the configuration as YAML text, got %s'
                                 % type(config).__name__)
    if isinstance(patches, (str, dict)) or _is_operation_list(patches):
        patches = [patches]
    elif not isinstance(patches, list):
        raise AnsibleFilterError('talos.linux.config_patch: patches must be a list of patches or one patch')
    try:
        return patch.apply_patches(str(config), list(patches))
    except TalosError as exc:  # any error of the collection: bad YAML, a patch that does not apply, ...
        raise AnsibleFilterError('talos.linux.config_patch: %s' % exc) from None


class FilterModule:
    """talos.linux.config_patch"""

    def filters(self) -> dict:
        return {'config_patch': config_patch}
