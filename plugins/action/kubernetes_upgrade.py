# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.talos.linux.plugins.plugin_utils._action import TalosAction


class ActionModule(TalosAction):
    # The host's talos_node is the control plane that issues the kubeconfig, never a limit on the kubelet step
    # (the module's own option nodes).
    NODE_OPTION = 'node'
