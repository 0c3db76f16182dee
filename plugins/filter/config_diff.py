# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: config_diff
short_description: Differences between two Talos machine configurations
version_added: 0.1.0
description:
  - The text Talos prints for a configuration change (as in C(talosctl apply-config --dry-run)), that is a
    unified diff of the two configurations, both encoded as Talos encodes them (comments disabled), with
    headers C(--- a) and C(+++ b) and 3 lines of context.
  - An empty string when both configurations encode alike, so formatting and comments alone are no difference.
  - The diff shows the configurations as they are, secrets included.
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
requirements:
  - C(PyYAML) >= 6.0 on the controller.
positional: new
options:
  _input:
    description: The old configuration, as YAML text (one or several documents); empty for no configuration.
    type: str
    required: true
  new:
    description: The new configuration, as YAML text; empty for no configuration.
    type: str
    required: true
seealso:
  - plugin: talos.linux.config_patch
    plugin_type: filter
'''

EXAMPLES = r'''
- name: What a patch changes
  ansible.builtin.debug:
    msg: "{{ base_config | talos.linux.config_diff(base_config | talos.linux.config_patch(patches)) }}"

- name: Fail when two configurations differ
  ansible.builtin.assert:
    that: (running | talos.linux.config_diff(desired)) == ''
'''

RETURN = r'''
_value:
  description: The unified diff; empty when the configurations are the same.
  type: str
'''

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import diff, documents


def config_diff(old: Any, new: Any) -> str:
    if not documents.HAS_YAML:
        raise AnsibleFilterError('talos.linux.config_diff needs the PyYAML Python library')
    for name, value in (('input (old configuration)', old), ('new configuration', new)):
        if value is not None and not isinstance(value, str):
            raise AnsibleFilterError('talos.linux.config_diff: the %s must be YAML text, got %s'
                                     % (name, type(value).__name__))
    try:
        return diff.diff_configs(documents.loads(old or '', 'old configuration'),
                                 documents.loads(new or '', 'new configuration'))
    except TalosError as exc:  # any error of the collection, e.g. a configuration that does not load
        raise AnsibleFilterError('talos.linux.config_diff: %s' % exc) from None


class FilterModule:
    """talos.linux.config_diff"""

    def filters(self) -> dict:
        return {'config_diff': config_diff}
