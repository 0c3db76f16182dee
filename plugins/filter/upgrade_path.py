# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: upgrade_path
short_description: The Talos versions to upgrade through, one upgrade per hop
version_added: 0.1.0
description:
  - The hops from the running Talos version(s) to O(target) that Talos's installers accept (each Talos line
    installs only on hosts from a minimum version up to a bound, for example Talos 1.15 only on 1.13.0 or newer).
  - Each intermediate hop is the newest release in O(available) of a Talos line to pass through; the target comes
    last. The fewest hops win; among equally short paths the one through the oldest lines.
  - With several current versions (a fleet), the path starts from the oldest one. Upgrade a node to a hop only when
    it runs an older version (M(talos.linux.upgrade) would otherwise downgrade it), see EXAMPLES.
  - A direct upgrade needs no O(available) and gives just O(target). A path that needs intermediate hops fails
    without O(available), naming the lines to pass through; so does a path with no release of a needed line in
    O(available).
author:
  - Talos Linux Ansible collection contributors (@talos-linux)
positional: target
options:
  _input:
    description: The running Talos version, or a list of them (for example each node's).
    type: raw
    required: true
  target:
    description: The Talos version to end on, for example V(v1.15.0).
    type: str
    required: true
  available:
    description: The Talos versions to choose the intermediate hops from (for example C(versions) of
      M(talos.linux.image_factory_info)); pre-releases are never chosen.
    type: list
    elements: str
seealso:
  - module: talos.linux.upgrade
'''

EXAMPLES = r'''
- name: The hops from 1.12 to 1.15 (["v1.13.9", "v1.15.0"])
  ansible.builtin.debug:
    msg: "{{ 'v1.12.6' | talos.linux.upgrade_path('v1.15.0', available=['v1.13.8', 'v1.13.9', 'v1.14.3']) }}"

- name: Upgrade a node hop by hop, the versions from Image Factory, skipping hops it is already past
  talos.linux.upgrade:
    node: "{{ inventory_hostname }}"
    version: "{{ item }}"
  loop: "{{ running_versions | talos.linux.upgrade_path('v1.15.0', available=factory.versions) }}"
  when: talos_version is version(item, '<')
'''

RETURN = r'''
_value:
  description: The versions to upgrade to, in order; the last is O(target).
  type: list
  elements: str
'''

from typing import Any, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade_path import plan, version_of


def _oldest(current: Any) -> str:
    versions = [current] if isinstance(current, str) else list(current or [])
    if not versions or not all(isinstance(version, str) for version in versions):
        raise TalosError('the input must be a Talos version or a list of them, got %r' % (current,))
    return min(versions, key=lambda tag: version_of(tag, 'current version').key())


def upgrade_path(current: Any, target: str, available: Optional[list[str]] = None) -> list[str]:
    try:
        if not isinstance(target, str):
            raise TalosError('target must be a Talos version such as v1.15.0, got %r' % (target,))
        if available is not None and (isinstance(available, str) or
                                      not all(isinstance(version, str) for version in available)):
            raise TalosError('available must be a list of Talos versions, got %r' % (available,))
        target = target if target.startswith('v') else 'v' + target
        return plan(_oldest(current), target, available)
    except TalosError as exc:
        raise AnsibleFilterError('talos.linux.upgrade_path: %s' % exc) from None


class FilterModule:
    """talos.linux.upgrade_path"""

    def filters(self) -> dict:
        return {'upgrade_path': upgrade_path}
