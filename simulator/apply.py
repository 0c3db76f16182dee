# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApplyConfiguration as machined serves it, per Talos line, and the config a machine boots with.

A machine holds two configs: the running one (``machine.config_yaml``, MachineConfig ``v1alpha1``)
and the one on disk (``machine.persistent_yaml``, MachineConfig ``persistent``). Modes:

* NO_REBOOT (and AUTO when the change is live): both become the new config at once;
* STAGED: only the disk copy; the machine runs it after its next reboot;
* TRY: only the running config; it is reverted after the try timeout unless an apply in another
  mode (a dry run included) comes first;
* REBOOT (1.13 and older, and AUTO for a change that is not live): the disk copy, then a reboot.

1.14 refuses REBOOT, applies AUTO without a reboot and refuses an apply while another one runs.
A machine in maintenance mode that gets a config (persisted) installs and reboots into it; the
1.12 maintenance server accepts only AUTO, REBOOT and TRY there. At every boot the machine runs
the config on disk and takes on its identity (``config_identity``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
import weakref
from typing import TYPE_CHECKING, Any, Optional

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._machineconfig import diff, documents, immediate, validate
from ansible_collections.talos.linux.plugins.module_utils._machineconfig.errors import ConfigError

from simulator import config_identity
from simulator.api import machine_pb2
from simulator.lifecycle import lifecycle_of, new_actor_id
from simulator.rbac import ADMIN

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

Mode = machine_pb2.ApplyConfigurationRequest
DEFAULT_TRY_TIMEOUT = 60.0
APPLY_TIME = 0.1  # seconds an apply holds machined's apply lock (1.14 refuses a concurrent one)
NO_V1ALPHA1 = ("the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the "
               "machine config instead?")
LIVE, STAGED_TEXT = 'Applied configuration without a reboot', 'Staged configuration to be applied after the next reboot'


@dataclass
class ApplyState:
    busy: bool = False
    revert: Optional[asyncio.TimerHandle] = None

    def cancel_revert(self) -> None:
        if self.revert is not None:
            self.revert.cancel()
            self.revert = None


_STATES: 'weakref.WeakKeyDictionary[Machine, ApplyState]' = weakref.WeakKeyDictionary()


def state_of(machine: 'Machine') -> ApplyState:
    return _STATES.setdefault(machine, ApplyState())


def load_persisted(machine: 'Machine') -> None:
    """Boot: run the config on disk (a staged or first config takes effect; a tried one is gone)."""
    state_of(machine).cancel_revert()
    text = machine.persistent_yaml
    if text is None:
        return
    if text != machine.config_yaml or machine.os_ca is None:
        config_identity.assume(machine, text)
    machine.config_yaml = text


def attach(machine: 'Machine', state_path: str) -> None:
    machine.state_path = state_path
    machine.persistent_yaml = machine.config_yaml
    machine.load_hooks.append(load_persisted)


def go_duration(seconds: float) -> str:
    """A duration as Go's time.Duration.String() prints whole and fractional seconds (1m0s, 30s, 1.5s)."""
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    text = ('%g' % round(rest, 9)) + 's'
    if hours:
        return '%dh%dm%s' % (hours, minutes, text)
    return '%dm%s' % (minutes, text) if minutes else text


def _parse(data: bytes) -> documents.Config:
    try:
        return documents.loads(data, 'machine configuration')
    except (ConfigError, UnicodeDecodeError) as exc:
        raise GRPCError(Status.INVALID_ARGUMENT, str(exc)) from None


def _validated(config: documents.Config) -> list[str]:
    warnings, errors = validate.validate(config)
    if errors:
        raise GRPCError(Status.INVALID_ARGUMENT, validate.format_errors(errors))
    return warnings


def _running(machine: 'Machine') -> Optional[documents.Config]:
    return documents.loads(machine.config_yaml) if machine.config_yaml else None


def _install(machine: 'Machine') -> None:
    """Maintenance mode got its config: install, then reboot into it (in the background)."""
    lifecycle = lifecycle_of(machine)
    actor_id = new_actor_id()
    if lifecycle.try_lock('install', actor_id):
        lifecycle.spawn(lifecycle.reboot(actor_id, force=True, sequence='install'))


def _revert_later(machine: 'Machine', seconds: float) -> None:
    state = state_of(machine)
    previous, boot_id = machine.config_yaml, machine.boot_id

    def revert() -> None:
        state.revert = None
        if machine.running and machine.boot_id == boot_id and previous is not None:
            log.info('%s: try timeout: configuration reverted', machine.name)
            machine.config_yaml = previous
            config_identity.apply_live(machine, documents.loads(previous))
            machine.on_change()

    state.cancel_revert()
    state.revert = asyncio.get_running_loop().call_later(seconds, revert)


def _decide(machine: 'Machine', request: Any, config: documents.Config, maintenance: bool) -> tuple[int, str, str]:
    """(mode used, mode_details, reason appended) by the rules of the machine's Talos line."""
    mode = request.mode
    if machine.version.at_least(1, 14):
        if mode == Mode.REBOOT:
            if not maintenance:
                raise GRPCError(Status.UNIMPLEMENTED, 'the REBOOT mode is not supported, please use AUTO or '
                                                      'NO_REBOOT modes instead')
            mode = Mode.NO_REBOOT
        if mode in (Mode.AUTO, Mode.TRY, Mode.NO_REBOOT):
            return (Mode.NO_REBOOT if mode == Mode.AUTO else mode), LIVE, ''
        if mode == Mode.STAGED:
            return mode, STAGED_TEXT, ''
        raise GRPCError(Status.INVALID_ARGUMENT, "incorrect mode '%s' specified for the apply config call"
                        % Mode.Mode.Name(mode))
    if maintenance and mode == Mode.REBOOT:
        mode = Mode.NO_REBOOT
    reason = None if maintenance else immediate.reboot_reason(_running(machine), config)
    if mode in (Mode.TRY, Mode.NO_REBOOT):
        if reason is not None:
            raise GRPCError(Status.INVALID_ARGUMENT, reason)
        return mode, LIVE, ''
    if mode == Mode.STAGED:
        return mode, STAGED_TEXT, ''
    if mode == Mode.AUTO:
        if reason is not None:
            return Mode.REBOOT, 'Applied configuration with a reboot', ': ' + reason
        return Mode.NO_REBOOT, LIVE, ''
    return Mode.REBOOT, 'Applied configuration with a reboot', ''


def _dry_run(machine: 'Machine', mode: int, details: str, config: documents.Config) -> Any:
    changes = diff.diff_configs(machine.config_yaml or None, config) or 'No changes.'
    return machine_pb2.ApplyConfiguration(
        mode=mode, mode_details='Dry run summary:\n%s (skipped in dry-run).\nConfig diff:\n\n%s' % (details, changes))


def _act(machine: 'Machine', request: Any, mode: int, text: str, config: documents.Config,
         maintenance: bool) -> str:
    """Change the machine; extra mode_details."""
    state = state_of(machine)
    if maintenance and mode != Mode.STAGED:
        machine.persistent_yaml = text  # whatever the mode, a first config is installed
        _install(machine)
        return ''
    if mode == Mode.TRY:
        seconds = request.try_mode_timeout.ToTimedelta().total_seconds() if request.HasField('try_mode_timeout') \
            else DEFAULT_TRY_TIMEOUT
        _revert_later(machine, seconds)
        machine.config_yaml = text
        config_identity.apply_live(machine, config)
        return "\nThe config is applied in 'try' mode and will be automatically reverted back in %s" % go_duration(
            seconds)
    machine.persistent_yaml = text
    if mode == Mode.NO_REBOOT:
        state.cancel_revert()
        machine.config_yaml = text
        config_identity.apply_live(machine, config)
    elif mode == Mode.REBOOT:
        lifecycle = lifecycle_of(machine)
        actor_id = new_actor_id()
        if lifecycle.try_lock('reboot', actor_id):
            lifecycle.spawn(lifecycle.reboot(actor_id))
    return ''


async def apply_configuration(machine: 'Machine', request: Any, roles: frozenset[str]) -> Any:
    """machined's handler (1.12 configured, 1.13+ configured or maintenance)."""
    state = state_of(machine)
    one_at_a_time = machine.version.at_least(1, 14)
    if one_at_a_time and state.busy:
        raise GRPCError(Status.FAILED_PRECONDITION, 'another apply configuration is already in progress')
    state.busy = True
    try:
        maintenance = not machine.configured
        if not maintenance and ADMIN not in roles:
            raise GRPCError(Status.PERMISSION_DENIED, 'not authorized')
        if request.mode != Mode.TRY:
            state.cancel_revert()
        config = _parse(request.data)
        if not maintenance and config.find(documents.V1ALPHA1) is None:
            raise GRPCError(Status.INVALID_ARGUMENT, NO_V1ALPHA1)
        warnings = _validated(config)
        mode, details, reason = _decide(machine, request, config, maintenance)
        if request.dry_run:
            return machine_pb2.ApplyConfigurationResponse(messages=[_dry_run(machine, mode, details, config)])
        if one_at_a_time:
            await asyncio.sleep(APPLY_TIME)
        details += _act(machine, request, mode, bytes(request.data).decode('utf-8'), config, maintenance) + reason
        log.info('%s: apply config request: mode %s', machine.name, Mode.Mode.Name(request.mode).lower())
        machine.on_change()
        return machine_pb2.ApplyConfigurationResponse(messages=[machine_pb2.ApplyConfiguration(
            mode=mode, warnings=warnings, mode_details=details)])
    finally:
        state.busy = False


async def apply_in_legacy_maintenance(machine: 'Machine', request: Any) -> Any:
    """The 1.12-and-older maintenance server: AUTO, REBOOT or TRY; no mode in the answer."""
    if request.mode not in (Mode.AUTO, Mode.REBOOT, Mode.TRY):
        raise GRPCError(Status.UNIMPLEMENTED, "apply configuration --mode='%s' is not supported in maintenance mode"
                        % Mode.Mode.Name(request.mode).lower().replace('_', '-'))
    try:
        config = documents.loads(request.data, 'machine configuration')
    except (ConfigError, UnicodeDecodeError) as exc:
        raise GRPCError(Status.UNKNOWN, 'failed to parse config: %s' % exc) from None
    warnings, errors = validate.validate(config)
    if errors:
        raise GRPCError(Status.INVALID_ARGUMENT, 'configuration validation failed: %s'
                        % validate.format_errors(errors))
    message = machine_pb2.ApplyConfiguration(warnings=warnings)
    if request.dry_run:
        message.mode_details = 'Dry run summary:\nNode is running in maintenance mode and does not have a config yet.'
    else:
        log.info('%s: apply config request in maintenance mode', machine.name)
        machine.persistent_yaml = bytes(request.data).decode('utf-8')
        _install(machine)
    return machine_pb2.ApplyConfigurationResponse(messages=[message])
