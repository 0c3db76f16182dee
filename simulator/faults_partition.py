# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network partition between two machines: ``ctl partition A B`` cuts them apart, ``ctl heal A B`` joins them.

Across the cut, the two machines cannot reach each other; the controller and every other machine still reach
both. What that changes in the fleet:

* apid forwarding (a call to one with ``node: <the other>``) fails the way apid's dial fails when the route to
  the backend is gone: apid dials the target's port 50000 with grpc-go
  (internal/app/apid/pkg/backend/apid.go:APID.GetConnection @ v1.14.0-rc.1) and relays grpc-go's dial error,
  UNAVAILABLE ``connection error: desc = "transport: Error while dialing: dial tcp A:50000: connect: no route
  to host"`` (a firewall that rejects; one that drops gives ``i/o timeout`` after the dial timeout instead);
* what talos-sim models of etcd between machines (finding a member to join, asking a voter to promote a
  learner, Talos's etcd client dialling the control planes) does not cross the cut: a control plane that has
  not joined yet cannot join across it. The members' raft traffic itself is real etcd on loopback addresses
  and is not cut, so two members already in one cluster stay in it.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.machine import Machine

_cuts: set[frozenset[str]] = set()  # pairs of machine addresses that cannot reach each other


def partition(one: 'Machine', other: 'Machine') -> None:
    if one is other:
        raise ValueError('a machine cannot be partitioned from itself')
    _cuts.add(frozenset((one.address, other.address)))


def heal(one: 'Machine', other: 'Machine') -> None:
    _cuts.discard(frozenset((one.address, other.address)))


def cut_off(one: 'Machine', other_address: str) -> bool:
    """Whether ``one`` cannot reach the machine at ``other_address``."""
    return frozenset((one.address, other_address)) in _cuts


def reachable_peers(machine: 'Machine') -> list['Machine']:
    """The fleet's machines ``machine`` can reach (itself included)."""
    return [peer for peer in machine.peers() if not cut_off(machine, peer.address)]


def no_route(host: str) -> OSError:
    """The dial error a machine gets for a machine across the cut."""
    return OSError(errno.EHOSTUNREACH, 'no route to host: %s' % host)


def partitions() -> list[list[str]]:
    return sorted(sorted(pair) for pair in _cuts)
