# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a machine configuration only where it differs from what the node runs, in the mode Talos would use.

A configured node (mTLS, os:admin): read the running config (MachineConfig ``v1alpha1``) and the
one on disk (``persistent``), compare them with the desired config as parsed documents, work out
the mode for the node's Talos line, and apply only on a difference. Check mode stops before the
apply; it asks the node for a dry run only when no try-mode config is pending (a dry run would
cancel its revert). A node reached with ``insecure`` is probed first: still in maintenance mode,
it gets its first config (``maintenance``); already serving this config's OS CA, it is
handled as a configured node when mTLS credentials were given.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.apply import compare, maintenance
from ansible_collections.talos.linux.plugins.module_utils.apply.mode import ModeError, plan_mode
from ansible_collections.talos.linux.plugins.module_utils.apply.options import (ApplyOptions, config_diff, mode_name,
                                                                                result, safe_details)
from ansible_collections.talos.linux.plugins.module_utils.apply.tls_probe import served_by, trusted_cas
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import parse_version
from ansible_collections.talos.linux.plugins.module_utils.client.node_info import observe
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline, Poll, wait_for
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import reboot_and_wait
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import immediate

ADMIN = 'os:admin'
SETTLE_INTERVAL = 0.5


def _denied(node: str, roles: list[str]) -> TalosError:
    return TalosError('permission denied: applying a machine configuration needs the os:admin role '
                      '(reading the running config too); this client certificate has %s'
                      % (', '.join(roles) or 'no role'), code='PERMISSION_DENIED', node=node)


def version_line(tag: Optional[str], node: str) -> tuple[int, int]:
    version = parse_version(tag)
    if version is None:
        raise TalosError('cannot tell the Talos version of the node (%r)' % tag, node=node)
    return version.major, version.minor


async def _running_configs(client: Any, node: Optional[str], address: str) -> tuple[Optional[str], Optional[str]]:
    try:
        return await asyncio.gather(client.machine_config('v1alpha1', node), client.machine_config('persistent', node))
    except TalosError as exc:
        if exc.code == 'PERMISSION_DENIED':
            raise _denied(address, client.roles) from None
        raise


async def _settled(client: Any, node: Optional[str], options: ApplyOptions, deadline: Deadline) -> None:
    """Wait until the node reports the desired config as running (or, when staged, as persisted)."""
    resource_id, state = ('persistent', 'persisted') if options.mode == 'staged' else ('v1alpha1', 'running')

    async def check() -> Poll:
        text = await client.machine_config(resource_id, node)
        if text is None:
            return Poll(False, 'no %s configuration' % state)
        return Poll(compare.same(compare.parse(text), options.desired.config),
                    'the %s configuration differs from the one applied' % state)

    await wait_for(check, 'the node to report the applied configuration as %s' % state, deadline, node,
                   SETTLE_INTERVAL)


async def apply_configured(client: Any, node: Optional[str], options: ApplyOptions) -> dict[str, Any]:
    address = client.settings.node_label(node)
    if ADMIN not in client.roles:
        raise _denied(address, client.roles)
    before = await observe(client, node)
    if not before.reachable:
        raise TalosError(before.error or 'unreachable', code='UNAVAILABLE', node=address)
    line = version_line(before.version, address)
    active_text, persistent_text = await _running_configs(client, node, address)
    active = compare.parse(active_text)
    persistent = compare.parse(persistent_text) if persistent_text is not None else active
    desired = options.desired
    changed = compare.needs_apply(options.mode, desired.config, active, persistent)
    reason = None
    if changed and line < (1, 14) and options.mode in ('auto', 'no_reboot', 'try'):
        reason = immediate.reboot_reason(active, desired.config, render=redact.redact_text)
    try:
        plan = plan_mode(options.mode, line, False, reason)
    except ModeError as exc:
        raise TalosError(str(exc), code='INVALID_ARGUMENT', node=address) from None
    shown_before = persistent_text if options.mode == 'staged' else active_text
    out = result(changed, node=address, maintenance=False, talos_version=before.version,
                 warnings=list(desired.warnings), diff=config_diff(shown_before, desired.text, address))
    if not changed:
        return out
    out.update(mode=mode_name(plan.expected), rebooted=plan.reboots, mode_details=plan.reason or '')
    if options.check_mode:
        if compare.same(active, persistent):  # no try pending: a dry run cancels nothing
            answer = await client.apply_configuration(desired.text.encode(), plan.send, node, dry_run=True)
            out['warnings'] += answer['warnings']
            out['mode_details'] = safe_details(answer['mode_details'], plan.reason)
        return out
    answer: dict[str, Any] = {}

    async def action() -> None:
        answer.update(await client.apply_configuration(desired.text.encode(), plan.send, node,
                                                       try_timeout=options.try_timeout))

    deadline = Deadline(options.wait_timeout)  # one budget for the reboot and the config settling
    if plan.reboots:
        waited = await reboot_and_wait(client, node, action, options.wait, deadline, before=before)
        waited.pop('actor_id', None)  # an apply has no actor ID
        out.update(waited)
    else:
        await action()
    out.update(mode=mode_name(answer['mode']), rebooted=answer['mode'] == 'REBOOT',
               mode_details=safe_details(answer['mode_details'], plan.reason))
    out['warnings'] += answer['warnings']
    if options.wait:
        await _settled(client, node, options, deadline)
    return out


async def apply_config(client: Any, node: Optional[str], options: ApplyOptions,
                       secure_client: Optional[Callable[[], Any]] = None) -> dict[str, Any]:
    """Apply ``options.desired`` to the node; see the module docstring. ``secure_client()`` opens an mTLS
    client (None when no credentials were given) for nodes reached with ``insecure``."""
    if not client.settings.insecure:
        return await apply_configured(client, node, options)
    address = client.settings.node_label(node)
    cas = trusted_cas(options.desired.config)
    served = await served_by(address, cas)
    if served is None:
        raise TalosError('cannot connect to the node', code='UNAVAILABLE', node=address)
    if not served:
        return await maintenance.apply_first(client, node, options, secure_client)
    if secure_client is None:
        raise TalosError('the node is not in maintenance mode: it serves the Talos API with the OS CA of this '
                         'configuration; connect with mutual TLS (talosconfig, or ca/client_cert/client_key of '
                         'that CA) to compare and apply', code='FAILED_PRECONDITION', node=address)
    async with secure_client() as mtls:
        return await apply_configured(mtls, node, options)
