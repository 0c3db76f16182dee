# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection contract: one spec for the modules, the action base and the inventory.

plugins/doc_fragments/connection.py documents these options (module and plugin views);
tests/unit/plugins/module_utils/frontend/test_connection_spec.py fails when the two drift apart.
Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import env_fallback

CONNECTION_SPEC: dict[str, dict[str, Any]] = {
    # $TALOSCONFIG only names the file, as talosctl does; the rest of the search order (XDG,
    # TALOS_HOME, ~/.talos/config) is client/talosconfig.py's, shared with callers outside Ansible.
    'talosconfig': {'type': 'path', 'fallback': (env_fallback, ['TALOSCONFIG'])},
    'context': {'type': 'str'},
    'endpoints': {'type': 'list', 'elements': 'str'},
    'ca': {'type': 'str'},
    'client_cert': {'type': 'str'},
    'client_key': {'type': 'str', 'no_log': True},
    'insecure': {'type': 'bool', 'default': False},
    'cert_fingerprint': {'type': 'str'},
    'timeout': {'type': 'raw', 'default': 30},
}

# The options the talos.linux.talosconfig inventory sets on each host, as host variable talos_<option>.
INVENTORY_OPTIONS = ('talosconfig', 'context', 'endpoints', 'insecure')
HOST_VARIABLES: dict[str, str] = {option: 'talos_' + option for option in INVENTORY_OPTIONS}
# The host variable with the address a host's calls target (module option nodes or node).
NODE_VARIABLE = 'talos_node'
# What the inventory host variables describe is the secure cluster: a maintenance call
# (insecure) takes none of them, so the action base leaves them out.
SECURE_ONLY = ('talosconfig', 'context', 'endpoints')


def env_variables(option: str) -> list[str]:
    """The environment variables an option falls back to, in order (none for most)."""
    fallback = CONNECTION_SPEC[option].get('fallback')
    return list(fallback[1]) if fallback and fallback[0] is env_fallback else []
