# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which nodes a task acts on: no surprise targets.

Two rules. An explicitly empty target (``node: ''``, ``nodes: []``, a list with an empty entry) is an
error naming the option, for every module: a variable that rendered empty must not widen the task to
the default target. Leaving the option out (or ``null``) keeps the module's documented default.
A destructive operation (one that takes a node down or wipes it) acts only on a node the user named:
the option, the host's ``talos_node`` (the action plugin passes it as the option), or the single node
of the talosconfig context; never on "the node behind the first endpoint".

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Mapping

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

TARGET_OPTIONS = ('node', 'nodes')


def empty_target_problem(params: Mapping[str, Any], spec: Mapping[str, Any]) -> str | None:
    """What is wrong with an explicitly empty target option of ``params``, or None when nothing is."""
    for option in TARGET_OPTIONS:
        if option not in spec or params.get(option) is None:
            continue  # left out: the documented default applies
        value = params[option]
        if isinstance(value, str):
            if not value.strip():
                return ('option %s is empty: set it to the address of the node to act on, or leave it out '
                        'for the default' % option)
        elif not value:
            return ('option %s is an empty list: list the nodes to act on, or leave it out for the default'
                    % option)
        else:
            blank = [index for index, entry in enumerate(value) if not str(entry or '').strip()]
            if blank:
                return 'option %s has an empty entry (at position %d): every entry must name a node' % (
                    option, blank[0])
    return None


def destructive_node(settings: ConnectionSettings, node: str | None, verb: str) -> str:
    """The one node a destructive operation (``verb``: reset, reboot, ...) acts on, or a TalosError.

    ``settings`` were built for ``node`` (so without it, ``settings.nodes`` are the context's nodes).
    """
    if node:
        return node
    if len(settings.nodes) == 1:
        return settings.nodes[0]
    where = 'context %r' % settings.context if settings.context else 'the talosconfig context'
    if settings.nodes:
        raise TalosError('%s acts on one node, and %s names %d (%s): set node to the one to %s'
                         % (verb, where, len(settings.nodes), ', '.join(settings.nodes), verb))
    raise TalosError("%s needs a target: set node, the host's talos_node, or nodes in the talosconfig context "
                     "(%s names no node; the node behind the endpoint is never assumed for a %s)"
                     % (verb, where, verb))
