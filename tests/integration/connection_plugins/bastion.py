# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test connection plugin: a "remote" host reached through a connection that is not ``local`` (as SSH to a bastion
is) but executes on this machine, so tests can see which path a talos.linux task takes for such a host."""

from __future__ import annotations

DOCUMENTATION = """
    name: bastion
    short_description: run commands on this machine under a connection type that is not local (tests only)
    description:
        - Executes like ansible.builtin.local; its transport is C(bastion), as a remote connection's would be.
    author: talos.linux contributors
    options:
        become_success_timeout:
            type: int
            default: 10
            description: As ansible.builtin.local's.
            vars:
                - name: ansible_local_become_success_timeout
        become_strip_preamble:
            type: bool
            default: true
            description: As ansible.builtin.local's.
            vars:
                - name: ansible_local_become_strip_preamble
    extends_documentation_fragment:
        - connection_pipelining
"""

from ansible.plugins.connection.local import Connection as LocalConnection  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

display = Display()


class Connection(LocalConnection):
    transport = 'bastion'

    def exec_command(self, cmd, in_data=None, sudoable=True):
        display.vvv('bastion connection: %s' % cmd)
        return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
