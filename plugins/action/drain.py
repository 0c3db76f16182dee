# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.kube.client import load_early
from ansible_collections.talos.linux.plugins.plugin_utils._action import TalosAction

load_early()  # in the controller, before Ansible forks the workers (a drain would import it in each)


class ActionModule(TalosAction):
    NODE_OPTION = 'node'
