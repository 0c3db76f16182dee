# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim ApplyConfiguration over raw gRPC: per-version modes, dry runs, refusals, try revert, the 1.14 lock."""

from __future__ import annotations

import asyncio
import time

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils.client.tls import insecure_client_context
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _call, _fleet_fixture, rpc

Mode = machine_pb2.ApplyConfigurationRequest


@pytest.fixture(scope='module')
def sim_114(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.3')


@pytest.fixture(scope='module')
def sim_113(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.3',
                              '--talos-version', 'v1.13.2')


@pytest.fixture(scope='module')
def sim_112_maintenance(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--maintenance', '--talos-version', 'v1.12.4')


def _config(fleet, resource_id='v1alpha1', machine='talos-cp-1') -> str:
    request = state_pb2.GetRequest(namespace='config', type='MachineConfigs.config.talos.dev', id=resource_id)
    reply = rpc(fleet.address(machine), fleet.tls(), State.Get, request)[0]
    return config_pb2.MachineConfigSpec.FromString(reply.resource.spec.proto_spec).yaml_marshalled.decode()


def _apply(fleet, data, mode, context='sim', **fields):
    request = Mode(data=data.encode() if isinstance(data, str) else data, mode=mode, **fields)
    return rpc(fleet.address('talos-cp-1'), fleet.tls(context), MachineService.ApplyConfiguration,
               request)[0].messages[0]


def _labelled(text: str, value: str) -> str:
    return patch.apply_patches(text, [{'machine': {'nodeLabels': {'sim': value}}}])


def _refused(call, status: Status, text: str) -> None:
    with pytest.raises(GRPCError) as info:
        call()
    assert info.value.status == status, info.value
    assert text in info.value.message


def test_dry_run_and_refusals_on_1_14(sim_114):
    running = _config(sim_114)
    reply = _apply(sim_114, running, Mode.AUTO, dry_run=True)
    assert reply.mode == Mode.NO_REBOOT
    assert reply.mode_details == ('Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\n'
                                  'Config diff:\n\nNo changes.')
    changed = _apply(sim_114, _labelled(running, 'x'), Mode.STAGED, dry_run=True).mode_details
    assert changed.startswith('Dry run summary:\nStaged configuration to be applied after the next reboot')
    assert '+        sim: x' in changed
    _refused(lambda: _apply(sim_114, running, Mode.REBOOT), Status.UNIMPLEMENTED, 'the REBOOT mode is not supported')
    _refused(lambda: _apply(sim_114, 'apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: x\n', Mode.AUTO),
             Status.INVALID_ARGUMENT, "doesn't contain v1alpha1 config")
    _refused(lambda: _apply(sim_114, running.replace('type: controlplane', 'type: bogus'), Mode.AUTO),
             Status.INVALID_ARGUMENT, 'unknown machine type "bogus"')
    _refused(lambda: _apply(sim_114, running, Mode.AUTO, context='sim-reader'), Status.PERMISSION_DENIED,
             'not authorized')
    assert _config(sim_114) == running


def test_concurrent_apply_refused_on_1_14(sim_114):
    running = _config(sim_114)
    address, tls = sim_114.address('talos-cp-1'), sim_114.tls()
    request = Mode(data=running.encode(), mode=Mode.NO_REBOOT)

    async def both():
        return await asyncio.gather(*(_call(address, tls, MachineService.ApplyConfiguration, request, None)
                                      for _count in range(2)), return_exceptions=True)
    outcomes = asyncio.run(both())
    errors = [outcome for outcome in outcomes if isinstance(outcome, GRPCError)]
    assert len(errors) == 1, outcomes
    assert errors[0].status == Status.FAILED_PRECONDITION
    assert errors[0].message == 'another apply configuration is already in progress'


def test_try_reverts_unless_another_apply_comes_first(sim_114):
    running = _config(sim_114)
    timeout = {'try_mode_timeout': {'seconds': 1}}
    reply = _apply(sim_114, _labelled(running, 'try'), Mode.TRY, **timeout)
    assert reply.mode_details.endswith("will be automatically reverted back in 1s")
    assert _config(sim_114) == _labelled(running, 'try')
    assert _config(sim_114, 'persistent') == running
    _apply(sim_114, running, Mode.TRY, dry_run=True)  # a dry run in try mode cancels nothing
    time.sleep(1.5)
    assert _config(sim_114) == running
    _apply(sim_114, _labelled(running, 'kept'), Mode.TRY, **timeout)
    _apply(sim_114, running, Mode.AUTO, dry_run=True)  # any other dry run cancels the revert
    time.sleep(1.5)
    assert _config(sim_114) == _labelled(running, 'kept')
    _apply(sim_114, running, Mode.NO_REBOOT)
    assert _config(sim_114) == running


def test_auto_reboots_for_a_change_that_is_not_live_on_1_13(sim_113):
    running = _config(sim_113)
    not_live = patch.apply_patches(running, [{'machine': {'env': {'A': 'b'}}}])
    _refused(lambda: _apply(sim_113, not_live, Mode.NO_REBOOT), Status.INVALID_ARGUMENT,
             "this config change can't be applied in immediate mode")
    live = _apply(sim_113, _labelled(running, 'live'), Mode.AUTO)
    assert (live.mode, live.mode_details) == (Mode.NO_REBOOT, 'Applied configuration without a reboot')
    reply = _apply(sim_113, not_live, Mode.AUTO)
    assert reply.mode == Mode.REBOOT
    assert reply.mode_details.startswith("Applied configuration with a reboot: this config change can't be applied")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if _config(sim_113) == not_live:
                break
        except (GRPCError, OSError):
            pass
        time.sleep(0.2)
    assert _config(sim_113) == not_live


def test_legacy_maintenance_server_on_1_12(sim_112_maintenance):
    address = sim_112_maintenance.address('talos-cp-1')

    def apply(data, mode, **fields):
        request = Mode(data=data.encode(), mode=mode, **fields)
        return rpc(address, insecure_client_context(), MachineService.ApplyConfiguration, request)[0].messages[0]

    _refused(lambda: apply('machine: {}', Mode.STAGED), Status.UNIMPLEMENTED,
             "apply configuration --mode='staged' is not supported in maintenance mode")
    _refused(lambda: apply('machine: [', Mode.AUTO), Status.UNKNOWN, 'failed to parse config')
    _refused(lambda: apply('version: v1alpha1\nmachine:\n    type: worker\n', Mode.AUTO), Status.INVALID_ARGUMENT,
             'configuration validation failed')
