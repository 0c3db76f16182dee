# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet layout decided from the command line: names, addresses and types of the machines."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

API_PORT = 50000
DEFAULT_SUBNET = '127.77.0.0/24'
FIRST_HOST = 10  # machines get .10, .11, ... like a small lab network
LOOPBACK = ipaddress.ip_network('127.0.0.0/8')


class MachineSpec(NamedTuple):
    name: str  # also the hostname
    address: str
    machine_type: str  # 'controlplane' or 'worker'
    prefixlen: int


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError('invalid subnet %r: %s' % (text, exc)) from None
    if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(LOOPBACK):
        raise ValueError('subnet %s is not inside 127.0.0.0/8: machines live on loopback addresses' % text)
    return net


def plan(controlplanes: int, workers: int, subnet: str = DEFAULT_SUBNET) -> list[MachineSpec]:
    """Control planes first, then workers, on consecutive addresses from .10 of the subnet."""
    if controlplanes < 1:
        raise ValueError('a fleet needs at least one control plane (--controlplanes >= 1)')
    if workers < 0:
        raise ValueError('--workers must not be negative')
    net = parse_subnet(subnet)
    count = controlplanes + workers
    if FIRST_HOST + count > net.num_addresses - 1:
        raise ValueError('subnet %s is too small for %d machines starting at .%d' % (subnet, count, FIRST_HOST))
    names = ['talos-cp-%d' % (i + 1) for i in range(controlplanes)]
    names += ['talos-worker-%d' % (i + 1) for i in range(workers)]
    return [
        MachineSpec(name, str(net.network_address + FIRST_HOST + i),
                    'controlplane' if i < controlplanes else 'worker', net.prefixlen)
        for i, name in enumerate(names)
    ]
