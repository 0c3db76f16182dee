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

1.14 refuses REBOOT and applies AUTO without a reboot. From 1.12.9 / 1.13.3 on an apply is refused
while another one runs, and after an apply that reboots until the machine is back.
A machine in maintenance mode that gets a config leaves maintenance: if Talos is installed it boots on
with it, else it installs and reboots into it; a config tried there (1.13+) is kept in memory only.
The 1.12 maintenance server accepts only AUTO, REBOOT and TRY and always persists. At every boot the
machine runs the config on disk and takes on its identity (``config_identity``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
import weakref
from typing import TYPE_CHECKING, Any, Optional

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator import config_identity
from simulator.config import diff, documents, immediate, validate
from simulator.config.documents import ConfigError
from simulator.api import machine_pb2
from simulator.lifecycle import forget_configuration, lifecycle_of
from simulator.versions import APPLY_GUARD
from simulator.rbac import ADMIN

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)

Mode = machine_pb2.ApplyConfigurationRequest
DEFAULT_TRY_TIMEOUT = 60.0
APPLY_TIME = 0.1  # seconds an apply holds machined's apply lock (1.14 refuses a concurrent one)
NO_V1ALPHA1 = ("the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the "
               "machine config instead?")
REBOOTING = ('configuration was already applied and node is rebooting, cannot apply more configuration changes '
             'until next reboot')
LIVE, STAGED_TEXT = 'Applied configuration without a reboot', 'Staged configuration to be applied after the next reboot'


@dataclass
class ApplyState:
    busy: bool = False
    revert: Optional[asyncio.TimerHandle] = None
    rebooting_boot: Optional[str] = None  # boot ID an apply in REBOOT mode is rebooting away from

    def cancel_revert(self) -> None:
        if self.revert is not None:
            self.revert.cancel()
            self.revert = None


_STATES: 'weakref.WeakKeyDictionary[Machine, ApplyState]' = weakref.WeakKeyDictionary()


def state_of(machine: 'Machine') -> ApplyState:
    return _STATES.setdefault(machine, ApplyState())


def load_persisted(machine: 'Machine') -> None:
    """Boot: run the config on disk (a staged or first config takes effect; a tried one is gone)."""
    state = state_of(machine)
    state.cancel_revert()
    if state.rebooting_boot != machine.boot_id:
        state.rebooting_boot = None  # the apply server's flag lives in memory: a new boot clears it
    text = machine.persistent_yaml
    if text is None:
        if machine.config_yaml is not None and not lifecycle_of(machine).same_boot:
            forget_configuration(machine)  # a config tried in maintenance mode was never written to disk
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


def _parse(machine: 'Machine', data: bytes) -> documents.Config:
    try:
        return documents.loads(data, machine.version.line)
    except (ConfigError, UnicodeDecodeError) as exc:
        raise GRPCError(Status.INVALID_ARGUMENT, str(exc)) from None


def _validated(machine: 'Machine', config: documents.Config, maintenance: bool) -> list[str]:
    """A maintenance machine is not installed yet: the install rules apply (v1alpha1_server.go:modeWrapper)."""
    warnings, error = validate.validate(config, requires_install=maintenance, line=machine.version.line)
    if error:
        raise GRPCError(Status.INVALID_ARGUMENT, error)
    return warnings


def _running(machine: 'Machine') -> Optional[documents.Config]:
    return documents.loads(machine.config_yaml) if machine.config_yaml else None


def _leave_maintenance(machine: 'Machine', text: str, persist: bool) -> None:
    """Maintenance mode got its config: an installed machine boots on with it, another installs and reboots.

    A config applied in TRY mode (1.13+) is only the active one, never written to disk: an install's
    reboot comes back in maintenance mode (v1alpha1_server.go:ApplyConfiguration, TRY -> SetConfig only,
    and config/acquire.go:stateMaintenance, which waits for the active config @ v1.13.9).
    """
    lifecycle = lifecycle_of(machine)
    if persist:
        machine.persistent_yaml = text
    elif lifecycle.installed:  # the tried config runs now, in memory; the certificates follow it
        config_identity.assume(machine, text)
        machine.config_yaml = text
    lifecycle.leave_maintenance()


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
    changes = diff.diff_configs(_running(machine), config) or 'No changes.'
    return machine_pb2.ApplyConfiguration(
        mode=mode, mode_details='Dry run summary:\n%s (skipped in dry-run).\nConfig diff:\n\n%s' % (details, changes))


def _act(machine: 'Machine', request: Any, mode: int, text: str, config: documents.Config,
         maintenance: bool) -> str:
    """Change the machine; extra mode_details."""
    state = state_of(machine)
    seconds = request.try_mode_timeout.ToTimedelta().total_seconds() if request.HasField('try_mode_timeout') \
        else DEFAULT_TRY_TIMEOUT
    try_text = "\nThe config is applied in 'try' mode and will be automatically reverted back in %s" % go_duration(
        seconds)
    if maintenance and mode != Mode.STAGED:
        _leave_maintenance(machine, text, persist=mode != Mode.TRY)
        return try_text if mode == Mode.TRY else ''
    if mode == Mode.TRY:
        _revert_later(machine, seconds)
        machine.config_yaml = text
        config_identity.apply_live(machine, config)
        return try_text
    machine.persistent_yaml = text
    if mode == Mode.NO_REBOOT:
        state.cancel_revert()
        machine.config_yaml = text
        config_identity.apply_live(machine, config)
    elif mode == Mode.REBOOT:
        # A reboot that takes over, without an actor ID (context.Background()); from the guard's releases on,
        # later applies are refused until the machine is back (v1alpha1_server.go:ApplyConfiguration @ v1.13.9).
        lifecycle = lifecycle_of(machine)
        if machine.version.has(APPLY_GUARD):
            state.rebooting_boot = machine.boot_id
        lifecycle.begin('reboot', '', lambda: lifecycle.reboot(''), takeover=True)
    return ''


async def apply_configuration(machine: 'Machine', request: Any, roles: frozenset[str]) -> Any:
    """machined's handler (1.12 configured, 1.13+ configured or maintenance)."""
    state = state_of(machine)
    # One apply at a time, from 1.12.9 / 1.13.3 on (v1alpha1_server.go:ApplyConfiguration, applyConfigMu).
    one_at_a_time = machine.version.has(APPLY_GUARD)
    if one_at_a_time and state.busy:
        raise GRPCError(Status.FAILED_PRECONDITION, 'another apply configuration is already in progress')
    if one_at_a_time and state.rebooting_boot is not None and state.rebooting_boot == machine.boot_id:
        raise GRPCError(Status.FAILED_PRECONDITION, REBOOTING)
    state.busy = True
    try:
        maintenance = not machine.configured
        if not maintenance and ADMIN not in roles:
            raise GRPCError(Status.PERMISSION_DENIED, 'not authorized')
        if request.mode != Mode.TRY:
            state.cancel_revert()
        config = _parse(machine, request.data)
        if not maintenance and config.find(documents.V1ALPHA1) is None:
            raise GRPCError(Status.INVALID_ARGUMENT, NO_V1ALPHA1)
        warnings = _validated(machine, config, maintenance)
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
        config = documents.loads(request.data, machine.version.line)
    except (ConfigError, UnicodeDecodeError) as exc:
        raise GRPCError(Status.UNKNOWN, 'failed to parse config: %s' % exc) from None
    warnings, error = validate.validate(config, requires_install=True, line=machine.version.line)
    if error:
        raise GRPCError(Status.INVALID_ARGUMENT, 'configuration validation failed: %s' % error)
    message = machine_pb2.ApplyConfiguration(warnings=warnings)
    if request.dry_run:
        message.mode_details = 'Dry run summary:\nNode is running in maintenance mode and does not have a config yet.'
    else:
        log.info('%s: apply config request in maintenance mode', machine.name)
        # 1.12's maintenance server ignores the mode: the config is always persisted
        # (internal/app/machined/pkg/controllers/config/acquire.go:Run @ v1.12.11).
        _leave_maintenance(machine, bytes(request.data).decode('utf-8'), persist=True)
    return machine_pb2.ApplyConfigurationResponse(messages=[message])
