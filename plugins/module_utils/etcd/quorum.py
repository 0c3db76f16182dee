# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one etcd quorum check: may this node go down (reboot, upgrade, reset) without losing quorum?

Used by every module that takes a control plane away. API::

    verdict = await check_quorum(client, node, peers=None, status_timeout=5.0)
    if not verdict.safe and not force:
        raise TalosError(verdict.message, node=node)

``check_quorum`` reads the member list (EtcdMemberList, from ``node`` or else from the first of
``peers`` that answers) and then every voting member's EtcdStatus, each through the Talos API of
the machine named by the host of the member's client URL (falling back to its peer URL, then its
name). A member is healthy when its status answers in time without errors and knows a leader.

The verdict (``QuorumVerdict``) is safe when:

* ``node`` is not an etcd member (a worker, or a control plane that never joined): ``member`` None;
* ``node`` is a learner (learners do not vote);
* ``node``'s member is already down (taking it down changes nothing);
* or, with ``node``'s member gone, the healthy voting members still reach the quorum
  ``voters // 2 + 1`` (membership is unchanged by a reboot, so the quorum size is too).

It is not safe when the member list cannot be read at all (etcd not reachable anywhere), since
nothing can be promised then: the message says why. It never raises for node errors; only a
programming error escapes. Fields: ``safe``, ``node``, ``member`` (this node's member dict or None),
``members`` (each with ``id``, ``hostname``, ``node``, ``learner``, ``healthy``, ``error``),
``voters``, ``healthy_voters``, ``quorum``, ``tolerance`` (how many more healthy voting members may
go down right now keeping quorum; 0 means none), ``unhealthy`` (names of unhealthy voting members)
and ``message`` (one line, names the unhealthy/missing members).

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

STATUS_TIMEOUT = 5.0


@dataclass
class QuorumVerdict:
    """Whether ``node`` may go down; see the module docstring for every field."""

    safe: bool
    node: str
    message: str
    member: dict[str, Any] | None = None
    members: list[dict[str, Any]] = field(default_factory=list)
    voters: int = 0
    healthy_voters: int = 0
    quorum: int = 0
    tolerance: int = 0
    unhealthy: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {'safe': self.safe, 'node': self.node, 'message': self.message, 'member': self.member,
                'members': self.members, 'voters': self.voters, 'healthy_voters': self.healthy_voters,
                'quorum': self.quorum, 'tolerance': self.tolerance, 'unhealthy': self.unhealthy}


def member_node(member: dict[str, Any]) -> str:
    """The address the Talos API of a member's machine is reached at: its client URL host."""
    for url in list(member.get('client_urls') or []) + list(member.get('peer_urls') or []):
        host = urlsplit(url).hostname
        if host:
            return host
    return member.get('hostname') or ''


def member_label(member: dict[str, Any]) -> str:
    node = member.get('node') or member_node(member)
    name = member.get('hostname') or '%016x' % member['id']
    return name if name == node else '%s (%s)' % (name, node)


def quorum_size(voters: int) -> int:
    return voters // 2 + 1


async def read_members(client: TalosClient, node: str,
                       peers: list[str] | None = None) -> tuple[list[dict[str, Any]] | None, list[TalosError]]:
    """The member list from ``node`` or the first of ``peers`` that answers; (None, errors) when none did.

    A node answering UNIMPLEMENTED is not a control plane; its error is kept and the next one tried.
    """
    errors = []
    for source in [node] + [peer for peer in (peers or []) if peer != node]:
        try:
            return await client.etcd_members(source), errors
        except TalosError as exc:
            exc.node = exc.node or source
            errors.append(exc)
    return None, errors


async def member_health(client: TalosClient, members: list[dict[str, Any]],
                        timeout: float = STATUS_TIMEOUT) -> list[dict[str, Any]]:
    """Each member as a dict with ``node``, ``healthy`` and ``error`` added (statuses read concurrently)."""
    async def one(member: dict[str, Any]) -> dict[str, Any]:
        entry = dict(member, node=member_node(member), healthy=False, error=None)
        try:
            status = await asyncio.wait_for(client.etcd_status(entry['node'], timeout=timeout), timeout + 1)
        except TalosError as exc:
            entry['error'] = str(exc)
        except asyncio.TimeoutError:
            entry['error'] = 'no etcd status within %.0fs' % timeout
        else:
            if status['errors']:
                entry['error'] = '; '.join(status['errors'])
            elif not status['leader']:
                entry['error'] = 'member has no leader'
            else:
                entry['healthy'] = True
        return entry
    return list(await asyncio.gather(*(one(member) for member in members)))


def _is_node(member: dict[str, Any], node: str, hostname: str | None) -> bool:
    return node in (member['node'], member.get('hostname')) or (hostname is not None and hostname == member['hostname'])


async def check_quorum(client: TalosClient, node: str, peers: list[str] | None = None,
                       status_timeout: float = STATUS_TIMEOUT) -> QuorumVerdict:
    """Whether taking ``node`` down keeps etcd quorum; see the module docstring."""
    members, errors = await read_members(client, node, peers)
    if members is None:
        if errors and errors[0].code == 'UNIMPLEMENTED':
            return QuorumVerdict(True, node, '%s runs no etcd member (not a control plane)' % node)
        return QuorumVerdict(False, node, 'cannot tell whether taking %s down keeps etcd quorum: etcd members '
                             'could not be read (%s)' % (node, '; '.join(str(error) for error in errors)))
    members = await member_health(client, members, status_timeout)
    hostname = None
    if not any(_is_node(member, node, None) for member in members):
        try:
            hostname = await client.hostname(node)
        except TalosError:
            hostname = None
    target = next((member for member in members if _is_node(member, node, hostname)), None)
    voters = [member for member in members if not member['learner']]
    healthy = [member for member in voters if member['healthy']]
    unhealthy = [member_label(member) for member in voters if not member['healthy']]
    quorum = quorum_size(len(voters))
    verdict = QuorumVerdict(False, node, '', member=target, members=members, voters=len(voters),
                            healthy_voters=len(healthy), quorum=quorum,
                            tolerance=max(0, len(healthy) - quorum), unhealthy=unhealthy)
    summary = '%d of %d voting members healthy, quorum %d' % (len(healthy), len(voters), quorum)
    if unhealthy:
        summary += '; unhealthy: %s' % ', '.join(
            '%s: %s' % (member_label(member), member['error']) for member in voters if not member['healthy'])
    if target is None:
        verdict.safe = True
        verdict.message = '%s is not an etcd member (%s)' % (node, summary)
    elif target['learner']:
        verdict.safe = True
        verdict.message = '%s is an etcd learner and does not vote (%s)' % (node, summary)
    elif not target['healthy']:
        verdict.safe = True
        verdict.message = 'the etcd member of %s is already down; taking it down changes nothing (%s)' % (
            node, summary)
    else:
        remaining = len(healthy) - 1
        verdict.safe = remaining >= quorum
        verdict.message = 'taking %s down %s etcd quorum: %d healthy voting members would remain, ' \
            'quorum needs %d (%s)' % (node, 'keeps' if verdict.safe else 'would lose', remaining, quorum, summary)
    return verdict
