# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a Talos service to a state (started, stopped, restarted) and wait until the node shows it.

Talos lets the API start and restart kubelet and start, stop and restart extension services
(``ext-<name>``); it refuses the rest with "service ... doesn't support <op> operation via API".
Check mode predicts that refusal (``api_refusal``), so it fails where the real run would.
Whether a service runs is read from ServiceList; the wait follows the service's
``Services.v1alpha1.talos.dev`` resource (COSI Watch), which exists while the service runs: each
event of the watch is one poll of client.wait's waiter.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for

SERVICES_RESOURCE = ('runtime', 'Services.v1alpha1.talos.dev')
# ServiceList states of a service that is up or on its way up (Talos counts it as started).
STARTED_STATES = frozenset(['Running', 'Starting', 'Preparing', 'Waiting'])
EXTENSION_PREFIX = 'ext-'
STREAM_MARGIN = 5.0  # the watch outlives the wait: the waiter, not the stream, decides when time is up


async def read_service(client: TalosClient, node: str | None, service_id: str) -> dict[str, Any]:
    services = await client.service_list(node)
    for service in services:
        if service['id'] == service_id:
            return service
    raise TalosError('service %r is not defined on this node (services: %s)'
                     % (service_id, ', '.join(service['id'] for service in services)), code='NOT_FOUND', node=node)


def needs_change(service: dict[str, Any], state: str) -> bool:
    started = service['state'] in STARTED_STATES
    if state == 'started':
        return not started
    if state == 'stopped':
        return started
    return True  # restarted


def api_operation(service: dict[str, Any], state: str) -> str:
    """The operation machined performs for ``state``: restarting a service that is not running starts it."""
    if state == 'restarted':
        return 'restart' if service['state'] in STARTED_STATES else 'start'
    return {'started': 'start', 'stopped': 'stop'}[state]


def api_refusal(service_id: str, operation: str) -> str | None:
    """Talos's refusal of ``operation`` on a service through the API, or None when it allows it.

    internal/app/machined/pkg/system/system.go:APIStart/APIStop/APIRestart @ v1.14.0-rc.1 refuse a
    service without the matching APIStartAllowed/APIStopAllowed/APIRestartAllowed; only kubelet
    (services/kubelet.go: start, restart) and extension services (services/extension.go: all three) have them.
    """
    if service_id.startswith(EXTENSION_PREFIX):
        return None
    if service_id == 'kubelet' and operation in ('start', 'restart'):
        return None
    return 'service "%s" doesn\'t support %s operation via API' % (service_id, operation)


async def wait_for_service(client: TalosClient, node: str | None, service_id: str, running: bool,
                           deadline: Deadline) -> None:
    """Until the Services resource shows the service running (``running``) or gone; TalosError on timeout."""
    what = 'service %s to %s' % (service_id, 'run' if running else 'stop')
    events = client.watch(*SERVICES_RESOURCE, resource_id=service_id, node=node,
                          timeout=deadline.remaining() + STREAM_MARGIN).__aiter__()

    async def next_event() -> Poll:
        try:
            event = await events.__anext__()
        except StopAsyncIteration:
            raise TalosError('the node ended the watch while waiting for %s' % what, node=node) from None
        if event['type'] not in ('CREATED', 'UPDATED', 'DESTROYED'):
            return Poll(False, 'watch event %s' % event['type'])
        present = event['type'] != 'DESTROYED' and bool((event['resource']['spec'] or {}).get('running'))
        return Poll(present == running, 'service %s' % ('running' if present else 'not running'))

    try:
        # No pause between polls: each waits for the node's next event.
        await wait_for(next_event, what, deadline, node, interval=0.0)
    finally:
        await events.aclose()


async def ensure_service(client: TalosClient, node: str | None, service_id: str, state: str, check_mode: bool,
                         wait: bool, wait_timeout: float) -> dict[str, Any]:
    before = await read_service(client, node, service_id)
    result: dict[str, Any] = {'changed': needs_change(before, state), 'before': before, 'response': None}
    if result['changed'] and check_mode:
        refusal = api_refusal(service_id, api_operation(before, state))
        if refusal:
            raise TalosError('%s (check mode: Talos refuses this)' % refusal, node=node)
    if check_mode or not result['changed']:
        result['service'] = before
        return result
    action = {'started': client.service_start, 'stopped': client.service_stop,
              'restarted': client.service_restart}[state]
    result['response'] = await action(service_id, node)
    if wait:
        await wait_for_service(client, node, service_id, state != 'stopped', Deadline(wait_timeout))
    result['service'] = await read_service(client, node, service_id)
    return result
