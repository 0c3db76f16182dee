# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health module's node lists as IP addresses.

Talos's HealthCheck takes control-plane and worker lists of IP literals only (it parses each with
Go's netip.ParseAddr and fails the whole call at once on a hostname), and its checks compare them
with the IPs etcd and Kubernetes know. A name given by the user is therefore resolved first: from
the node itself (its NodeAddresses ``default`` address, asked through the endpoint), else from the
controller's resolver; a name that resolves nowhere is an error naming the option and the name.

Private module: free to change between releases.
"""

from __future__ import annotations

import ipaddress
import socket
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

NODE_ADDRESSES = ('network', 'NodeAddresses.net.talos.dev', 'default')


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


async def _from_talos(client: TalosClient, name: str) -> str | None:
    try:
        resource = await client.get_resource(*NODE_ADDRESSES, node=name)
    except TalosError:
        return None
    for prefix in ((resource or {}).get('spec') or {}).get('addresses') or []:
        return str(prefix).split('/', 1)[0]
    return None


def _from_resolver(name: str) -> str | None:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return str(infos[0][4][0]) if infos else None


async def resolve_nodes(client: TalosClient, option: str, nodes: list[str]) -> tuple[list[str], dict[str, str]]:
    """(IPs in order, {name: IP} for the names resolved); TalosError naming ``option`` and the name otherwise."""
    out, resolved = [], {}
    for node in nodes:
        if is_ip(node):
            out.append(str(ipaddress.ip_address(node)))
            continue
        address = await _from_talos(client, node) or _from_resolver(node)
        if address is None or not is_ip(address):
            raise TalosError('%s: cannot resolve %r to an IP address (neither the node, through the Talos API, nor '
                             'the controller\'s resolver knows it); Talos\'s health check takes IP addresses only'
                             % (option, node), node=node)
        resolved[node] = address
        out.append(address)
    return out, resolved
