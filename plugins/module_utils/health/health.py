# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster health: our API-side checks, then Talos's own (ClusterService.HealthCheck), under one deadline.

Checks run in the order of ``CHECKS``; each is retried every POLL_INTERVAL seconds until it passes
or ``wait_timeout`` (for the whole run) passes. The API-side checks take their first look together (a
gate usually passes at once); a check's first look counts only while every check before it passed its
own, so no check is judged on what it saw before an earlier one had to wait. The first check still
failing at the deadline fails the run: its result names the check and the nodes at fault, and the later
checks are ``not_run``. The ``server`` check is Talos's HealthCheck stream from one control plane (the
first that answers): its progress lines are kept, its own checks reported one by one, and a
failure names Talos's check that was still waiting and the nodes its message mentions.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.discovery import cluster_members
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.progress import Waiting
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, poll
from ansible_collections.talos.linux.plugins.module_utils.health.checks import API_CHECKS, Cluster, Problem

SERVER = 'server'
CHECKS = ('reachable', 'boot_sequence', 'etcd', 'services', 'version', SERVER)
DEFAULT_CHECKS = tuple(name for name in CHECKS if name != 'version')
POLL_INTERVAL = 1.0
ATTEMPT_TIMEOUT = 15.0
_PROGRESS = re.compile(r'^waiting for (.+?): (OK|SKIP|\.\.\.|.*)$', re.DOTALL)
_CANNOT_SERVE = frozenset(['UNAVAILABLE', 'UNIMPLEMENTED'])  # try the next control plane


def select_checks(checks: list[str] | None, skip_checks: list[str] | None, same_version: bool) -> list[str]:
    chosen = list(checks) if checks else list(DEFAULT_CHECKS) + (['version'] if same_version else [])
    unknown = sorted(set(chosen + list(skip_checks or [])) - set(CHECKS))
    if unknown:
        raise TalosError('unknown health checks: %s (known: %s)' % (', '.join(unknown), ', '.join(CHECKS)))
    return [name for name in CHECKS if name in chosen and name not in (skip_checks or [])]


ADMIN = 'os:admin'
SERVER_NEEDS_ADMIN = ("needs the os:admin role: Talos runs its Kubernetes checks with the caller's roles, and only "
                      'os:admin may fetch the kubeconfig they use (this connection has %s)')


def restrict_to_roles(names: list[str], roles: list[str], explicit: bool) -> tuple[list[str], dict[str, str]]:
    """Drop the ``server`` check for a caller without os:admin (Talos would fail its Kubernetes checks with
    PermissionDenied until the deadline): skipped with the reason, or an error when it was asked for by name."""
    if SERVER not in names or ADMIN in roles:
        return names, {}
    reason = SERVER_NEEDS_ADMIN % (', '.join(roles) or 'no role')
    if explicit:
        raise TalosError('health check server %s; leave it out of checks' % reason, code='PERMISSION_DENIED')
    return [name for name in names if name != SERVER], {SERVER: reason}


def _result(name: str, status: str, started: float | None = None, message: str = '',
            nodes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    duration = round(time.monotonic() - started, 3) if started is not None else 0.0
    return dict({'name': name, 'status': status, 'duration': duration, 'message': message, 'nodes': nodes or []},
                **extra)


class FirstLook:
    """One API check's first attempt, taken with the others' before the checks run in order."""

    def __init__(self, client: TalosClient, name: str, cluster: Cluster, deadline: Deadline) -> None:
        self.started = time.monotonic()
        self.task = asyncio.ensure_future(_look(client, name, cluster, deadline, []))

    async def problems(self) -> list[Problem]:
        return await self.task

    def drop(self) -> None:
        """Not needed (any more): stop it, and take its error if it had one, so that nobody is told of it."""
        if not self.task.done():
            self.task.cancel()
        elif not self.task.cancelled():
            self.task.exception()


async def _look(client: TalosClient, name: str, cluster: Cluster, deadline: Deadline,
                before: list[Problem]) -> list[Problem]:
    """One attempt of check ``name``, bounded by ATTEMPT_TIMEOUT; ``before``: what the last attempt found."""
    limit = max(0.1, min(ATTEMPT_TIMEOUT, deadline.remaining()))
    try:
        return await asyncio.wait_for(API_CHECKS[name](client, cluster), limit)
    except asyncio.TimeoutError:
        # A slow attempt says nothing new: keep what the last answer found.
        return before or [Problem(None, 'no answer within %.0fs' % limit)]


async def _api_check(client: TalosClient, name: str, cluster: Cluster, deadline: Deadline,
                     first: FirstLook | None = None) -> dict[str, Any]:
    """Poll check ``name`` until it passes or the deadline; ``first`` (taken already) is its first attempt."""
    started = first.started if first is not None else time.monotonic()
    problems: list[Problem] = []

    async def attempt() -> Poll:
        nonlocal problems, first
        if first is not None:
            problems, first = await first.problems(), None
        else:
            problems = await _look(client, name, cluster, deadline, problems)
        return Poll(not problems, '; '.join(str(problem) for problem in problems))

    # Each attempt bounds itself (ATTEMPT_TIMEOUT), so a slow one is a finding, not the end of the check.
    outcome = await poll(attempt, deadline, POLL_INTERVAL, bounded=False, what='health check %s to pass' % name)
    if outcome.met:
        return _result(name, 'passed', started, attempts=outcome.polls)
    nodes = sorted({problem.node for problem in problems if problem.node})
    return _result(name, 'failed', started, '; '.join(str(problem) for problem in problems), nodes,
                   attempts=outcome.polls)


def still_waiting(line: str) -> bool:
    """A progress line of Talos's health check about a check that has not passed (nor been skipped) yet."""
    match = _PROGRESS.match(line)
    return bool(match) and match.group(2) not in ('OK', 'SKIP')


def parse_progress(lines: list[str]) -> list[dict[str, str]]:
    """Talos's checks as the progress lines show them: name, status (passed, skipped, waiting) and last error."""
    found: dict[str, dict[str, str]] = {}
    for line in lines:
        match = _PROGRESS.match(line)
        if not match:
            continue
        name, state = match.group(1), match.group(2)
        status = {'OK': 'passed', 'SKIP': 'skipped'}.get(state, 'waiting')
        entry = found.setdefault(name, {'name': name, 'status': status, 'error': ''})
        entry['status'] = status
        if status == 'waiting' and state != '...':
            entry['error'] = state.strip()
    return list(found.values())


async def _server_check(client: TalosClient, cluster: Cluster, deadline: Deadline,
                        server_node: str | None) -> dict[str, Any]:
    started = time.monotonic()
    candidates = ([server_node] if server_node else []) + [cp for cp in cluster.controlplanes if cp != server_node]
    candidates = candidates or [None]
    errors = []
    for node in candidates:
        lines: list[str] = []
        # Talos's stream says what it waits for as it goes: a check still waiting is shown as it comes.
        progress = Waiting("Talos's health checks", node, deadline.timeout, deadline.elapsed)
        try:
            async for line in client.health_check(max(1.0, deadline.remaining()), cluster.controlplanes,
                                                  cluster.workers, node=node):
                lines.append(line)
                if still_waiting(line):
                    progress.saw(line)
        except TalosError as exc:
            if not lines and exc.code in _CANNOT_SERVE:
                errors.append(str(exc))  # this control plane cannot run it: try the next one
                continue
            return _server_failure(started, node, lines, exc, cluster)
        progress.met()
        return _result(SERVER, 'passed', started, node=node, talos_checks=parse_progress(lines), messages=lines)
    return _result(SERVER, 'failed', started, 'no control plane could run the health check: %s' % '; '.join(errors),
                   [node for node in candidates if node], node=None, talos_checks=[], messages=[])


def _server_failure(started: float, node: str | None, lines: list[str], exc: TalosError,
                    cluster: Cluster) -> dict[str, Any]:
    talos_checks = parse_progress(lines)
    waiting = [check for check in talos_checks if check['status'] == 'waiting']
    if waiting:
        check = waiting[-1]
        message = 'Talos check "%s" did not pass: %s' % (check['name'], check['error'] or 'still waiting')
        text = check['error']
    else:
        message = 'Talos health check failed: %s' % exc
        text = str(exc)
    at_fault = [candidate for candidate in cluster.nodes if re.search(r'(?<![\d.])%s(?![\d])' % re.escape(candidate),
                                                                      text)]
    return _result(SERVER, 'failed', started, message, at_fault, node=node, talos_checks=talos_checks,
                   messages=lines)


async def run_checks(client: TalosClient, cluster: Cluster, names: list[str], wait_timeout: float,
                     server_node: str | None = None, skip_reasons: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every check in ``CHECKS`` order: chosen ones run (until the first failure), others are ``skipped``
    (with the reason from ``skip_reasons`` as their message)."""
    deadline = Deadline(wait_timeout)  # one budget for all checks: a check that takes long leaves less to the next
    firsts = {name: FirstLook(client, name, cluster, deadline)
              for name in CHECKS if name in names and name != SERVER}
    results = []
    failed = waited = False
    try:
        for name in CHECKS:
            if name not in names:
                results.append(_result(name, 'skipped', message=(skip_reasons or {}).get(name, '')))
            elif failed:
                results.append(_result(name, 'not_run'))
            elif name == SERVER:
                results.append(await _server_check(client, cluster, deadline, server_node))
            else:
                # After a check that had to wait, a first look taken back then is stale: look again.
                results.append(await _api_check(client, name, cluster, deadline, None if waited else firsts[name]))
                waited = waited or results[-1]['attempts'] > 1
            failed = failed or results[-1]['status'] == 'failed'
    finally:
        for first in firsts.values():
            first.drop()
    return results


async def discover(client: TalosClient) -> Cluster:
    """The cluster's nodes from Talos's discovery registry (Members), which also remembers machines that are down."""
    members = await cluster_members(client)
    controlplanes = [m['address'] for m in members if m['machine_type'] in ('controlplane', 'init')]
    workers = [m['address'] for m in members if m['address'] not in controlplanes]
    if not controlplanes:
        raise TalosError('discovery found no control plane (members: %s); give controlplanes and workers'
                         % (', '.join(m['address'] for m in members) or 'none'))
    return Cluster(controlplanes, workers)
