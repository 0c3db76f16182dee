# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``up --bootstrap``: what an operator does right after the machines came up, through the real Talos API.

A configured Talos cluster is not running until etcd is bootstrapped: its control planes wait in
stage ``booting`` for it (``machine_status.go``). Rehearsals and tests that want a cluster as people
run it ask ``up`` to do the operator's part: call ``MachineService.Bootstrap`` on the first control plane
with the fleet's admin talosconfig (retrying while machined answers FailedPrecondition, as
``talosctl bootstrap`` users do), then wait until every machine reports stage ``running``.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import yaml
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError, StreamTerminatedError

from simulator import tls
from simulator.api import MachineService, State, machine_pb2, state_pb2
from simulator.plan import API_PORT

RETRY = 0.2


def _admin_context(talosconfig_path: str) -> Any:
    with open(talosconfig_path, encoding='utf-8') as f:
        context = yaml.safe_load(f)['contexts']['sim']
    ca, crt, key = (base64.b64decode(context[name]) for name in ('ca', 'crt', 'key'))
    return tls.client_context(ca, crt, key)


async def _unary(address: str, ssl_ctx: Any, method: Any, request: Any) -> Any:
    channel = Channel(address, API_PORT, ssl=ssl_ctx)
    try:
        async with channel.request(method.path, Cardinality[method.cardinality], method.request, method.reply,
                                   timeout=10) as stream:
            await stream.send_message(request, end=True)
            reply = await stream.recv_message()
            await stream.recv_trailing_metadata()
            return reply
    finally:
        channel.close()


async def _stage(address: str, ssl_ctx: Any) -> str:
    request = state_pb2.GetRequest(namespace='runtime', type='MachineStatuses.runtime.talos.dev', id='machine')
    reply = await _unary(address, ssl_ctx, State.Get, request)
    return str((yaml.safe_load(reply.resource.spec.yaml_spec) or {}).get('stage', ''))


async def bootstrap(talosconfig_path: str, controlplane: str, machines: list[str], timeout: float) -> None:
    """Bootstrap etcd on ``controlplane`` and wait until every machine runs; RuntimeError says what is missing."""
    ssl_ctx = _admin_context(talosconfig_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            await _unary(controlplane, ssl_ctx, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
            break
        except GRPCError as exc:
            if exc.status == Status.ALREADY_EXISTS:
                break
            if exc.status != Status.FAILED_PRECONDITION or time.monotonic() > deadline:
                raise RuntimeError('bootstrap of %s failed: %s' % (controlplane, exc.message)) from None
        await asyncio.sleep(RETRY)
    await wait_running(talosconfig_path, machines, max(deadline - time.monotonic(), 1.0))


async def wait_running(talosconfig_path: str, machines: list[str], timeout: float) -> None:
    """Wait until every machine reports stage ``running``; RuntimeError names the ones that do not."""
    ssl_ctx = _admin_context(talosconfig_path)
    deadline = time.monotonic() + timeout
    waiting = list(machines)
    while waiting:
        stages = {}
        for address in waiting:
            try:
                stages[address] = await _stage(address, ssl_ctx)
            except (GRPCError, StreamTerminatedError, OSError) as exc:
                stages[address] = 'unreachable (%s)' % exc
        waiting = [address for address, stage in stages.items() if stage != 'running']
        if waiting and time.monotonic() > deadline:
            raise RuntimeError('not running within %.0fs: %s' % (
                timeout, ', '.join('%s (%s)' % (a, stages[a]) for a in waiting)))
        if waiting:
            await asyncio.sleep(RETRY)
