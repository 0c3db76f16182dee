# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Descriptions of the attributes every talos.linux module declares."""

    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the machine.
  diff_mode:
    description: Will return details on what has changed (or would change in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode with the same arguments, the second run reports no change.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: talos
'''

    ACTIONGROUP_TALOS = r'''
attributes:
  action_group:
    description: Use C(group/talos.linux.talos) in C(module_defaults) to set connection options for every module.
    support: full
    membership:
      - talos.linux.talos
'''
