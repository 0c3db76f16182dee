# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's machined over raw gRPC: the sequence lock, reset and etcd, patch-release gates, installer checks,
maintenance-mode applies."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, lifecycle_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.lifecycle_grpc import LifecycleService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client.tls import insecure_client_context
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _call, _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import (
    boot_id, collect_events, decode, resource_yaml, version, wait_until)

Mode = machine_pb2.ApplyConfigurationRequest
STATUS = 'MachineStatuses.runtime.talos.dev'
# The empty schematic: the one every Image Factory knows.
FACTORY = 'factory.talos.dev/metal-installer/%s:%%s' % (
    '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba')


@pytest.fixture(scope='module')
def fleet114(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '2', '--reboot-delay', '0.5')


def sequence_events(seen) -> list:
    return [(decode(e)[1], e.actor_id) for e in seen if decode(e)[0] == 'machine.SequenceEvent']


def until_error(code):
    return lambda seen: any(ev.HasField('error') and ev.error.code == code for ev, _a in sequence_events(seen))


def running(fleet, name) -> bool:
    return 'stage: running' in resource_yaml(fleet.address(name), fleet.tls(), STATUS, 'machine')


def test_a_refused_sequence_answers_ok_and_publishes_locked_without_actor(fleet114):
    name = 'talos-worker-1'
    address, tls = fleet114.address(name), fleet114.tls()
    wait_until(lambda: running(fleet114, name))
    replies = []

    def reboot_then_reset():
        replies.append(rpc(address, tls, MachineService.Reboot, machine_pb2.RebootRequest())[0].messages[0])
        replies.append(rpc(address, tls, MachineService.Reset, machine_pb2.ResetRequest(reboot=True))[0].messages[0])
    seen = collect_events(address, tls, action=reboot_then_reset, until=until_error(common_code('LOCKED')))
    assert replies[1].actor_id  # the RPC said yes...
    locked = [(ev, actor) for ev, actor in sequence_events(seen) if ev.HasField('error') and ev.error.code == common_code('LOCKED')]
    # ...and machined refused: reset may only take over boot (sequencer.go:sequenceTakeOver).
    assert [(ev.sequence, ev.action, ev.error.message, actor) for ev, actor in locked] == [
        ('reset', machine_pb2.SequenceEvent.NOOP, 'sequence not started: locked', '')]
    wait_until(lambda: running(fleet114, name))
    assert 'stage: running' in resource_yaml(address, tls, STATUS, 'machine')  # not reset: still configured


def test_reboot_takes_over_a_reboot(fleet114):
    name = 'talos-worker-2'
    address, tls = fleet114.address(name), fleet114.tls()
    wait_until(lambda: running(fleet114, name))
    request = machine_pb2.RebootRequest()
    outcomes = []

    def two_reboots():
        async def both():
            return await asyncio.gather(*(_call(address, tls, MachineService.Reboot, request, None)
                                          for _count in range(2)))
        outcomes.extend(reply[0].messages[0].actor_id for reply in asyncio.run(both()))
    seen = collect_events(address, tls, action=two_reboots, until=until_error(common_code('CANCELED')))
    canceled = [(ev.sequence, actor) for ev, actor in sequence_events(seen) if ev.HasField('error')]
    assert len(canceled) == 1 and canceled[0][0] == 'reboot' and canceled[0][1] in outcomes
    wait_until(lambda: running(fleet114, name), timeout=20)


def common_code(name: str) -> int:
    from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
    return common_pb2.Code.Value(name)


def test_graceful_reset_of_the_last_etcd_member_fails_at_leave_etcd(fleet114):
    name = 'talos-cp-1'
    address, tls = fleet114.address(name), fleet114.tls()
    rpc(address, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
    data = os.path.join(fleet114.state_dir, 'etcd', name, 'data')
    wait_until(lambda: os.path.isdir(os.path.join(data, 'member')), timeout=30)
    wait_until(lambda: rpc(address, tls, MachineService.EtcdMemberList,
                           machine_pb2.EtcdMemberListRequest())[0].messages[0].members, timeout=30)
    before = boot_id(fleet114, name)
    seen = collect_events(address, tls, action=lambda: rpc(address, tls, MachineService.Reset, machine_pb2.ResetRequest(
        graceful=True, reboot=True)), until=until_error(common_code('FATAL')), timeout=30)
    fatal = [ev.error.message for ev, _actor in sequence_events(seen) if ev.HasField('error')]
    assert fatal and fatal[0].startswith('sequence failed: error running phase 4 in reset sequence: task 1/1: failed, '
                                         'failed to leave cluster: failed to remove member ')
    # machined reboots after a fatal sequence error; nothing was wiped: configured, etcd data kept.
    wait_until(lambda: boot_id(fleet114, name) != before and running(fleet114, name), timeout=30)
    assert os.path.isdir(os.path.join(data, 'member'))
    # A reset that wipes STATE only (not EPHEMERAL) keeps etcd's data too; the machine stays installed.
    rpc(address, tls, MachineService.Reset, machine_pb2.ResetRequest(graceful=False, reboot=True,
        system_partitions_to_wipe=[machine_pb2.ResetPartitionSpec(label='STATE', wipe=True)]))
    insecure = insecure_client_context()
    wait_until(lambda: resource_yaml(address, insecure, STATUS, 'machine').startswith('stage: maintenance'),
               timeout=30)
    assert os.path.isdir(os.path.join(data, 'member'))


def test_installer_refuses_unsupported_jumps_and_ghcr_has_no_1_14(fleet114):
    address, tls = fleet114.address('talos-worker-1'), fleet114.tls()
    wait_until(lambda: running(fleet114, 'talos-worker-1'))
    missing = 'ghcr.io/siderolabs/installer:v1.14.1'
    with pytest.raises(GRPCError) as info:
        rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=missing))
    assert info.value.status == Status.NOT_FOUND
    assert info.value.message.endswith('failed to resolve reference "%s": %s: not found' % (missing, missing))
    old = FACTORY % 'v1.12.3'
    pulled = rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=old))[-1].name
    progress = rpc(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest(
        source=lifecycle_pb2.InstallArtifactsSource(image_name=pulled)))
    assert progress[-1].progress.exit_code == 1  # a 1.12 installer's error exit
    assert progress[-2].progress.message == ('pre-flight checks failed: host version 1.14.0 is too new to downgrade '
                                             'to Talos 1.12.3')


@pytest.mark.parametrize('patch_release, guarded', [('v1.13.2', False), ('v1.13.3', True), ('v1.12.9', True)])
def test_apply_guard_arrived_in_patch_releases(tmp_path_factory, patch_release, guarded):
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.5',
                                '--talos-version', patch_release):
        address, tls = fleet.address('talos-cp-1'), fleet.tls()
        from ansible_collections.talos.linux.tests.integration.simulator.test_apply_sim import _config
        text = _config(fleet)
        request = Mode(data=text.encode(), mode=Mode.REBOOT)

        async def both():
            return await asyncio.gather(*(_call(address, tls, MachineService.ApplyConfiguration, request, None)
                                          for _count in range(2)), return_exceptions=True)
        outcomes = asyncio.run(both())
        errors = sorted(str(o.message) for o in outcomes if isinstance(o, GRPCError))
        if guarded:  # one applies and reboots; the other is refused (busy, or already rebooting)
            assert len(errors) == 1 and errors[0] in (
                'another apply configuration is already in progress',
                'configuration was already applied and node is rebooting, cannot apply more configuration changes '
                'until next reboot'), outcomes
        else:
            assert not errors, outcomes


def test_v1_15_and_its_go_version(tmp_path_factory):
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--talos-version', 'v1.15.0'):
        reply = rpc(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Version)[0].messages[0].version
        assert (reply.tag, reply.go_version) == ('v1.15.0', 'go1.26.7')


def test_legacy_upgrade_from_1_12_to_1_15_is_refused_by_the_installer(tmp_path_factory):
    for fleet in _fleet_fixture(tmp_path_factory, '--workers', '1', '--controlplanes', '1', '--reboot-delay', '0.3',
                                '--talos-version', 'v1.12.9'):
        address, tls = fleet.address('talos-worker-1'), fleet.tls()
        request = machine_pb2.UpgradeRequest(image=FACTORY % 'v1.15.0')
        seen = collect_events(address, tls, action=lambda: rpc(address, tls, MachineService.Upgrade, request),
                              until=until_error(common_code('FATAL')), timeout=10)
        fatal = [ev.error.message for ev, _actor in sequence_events(seen) if ev.HasField('error') and ev.error.code == common_code('FATAL')]
        assert fatal and fatal[0].endswith('failed to run installer: exit code 4: pre-flight checks failed: host '
                                           'version 1.12.9 is too old to upgrade to Talos 1.15.0')
        wait_until(lambda: version(address, tls) == 'v1.12.9', timeout=20)


def test_try_in_maintenance_is_memory_only_and_an_installed_machine_boots_on(tmp_path_factory):
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.3'):
        address, tls = fleet.address('talos-cp-1'), fleet.tls()
        from ansible_collections.talos.linux.tests.integration.simulator.test_apply_sim import _config
        text = _config(fleet)
        # STATE only: the config is gone, Talos stays installed.
        rpc(address, tls, MachineService.Reset, machine_pb2.ResetRequest(graceful=False, reboot=True,
            system_partitions_to_wipe=[machine_pb2.ResetPartitionSpec(label='STATE', wipe=True)]))
        insecure = insecure_client_context()
        wait_until(lambda: resource_yaml(address, insecure, STATUS, 'machine').startswith('stage: maintenance'),
                   timeout=20)
        maintenance_boot = rpc(address, insecure, MachineService.Version)[0].messages[0].version.tag
        assert maintenance_boot == 'v1.14.0'
        reply = rpc(address, insecure, MachineService.ApplyConfiguration, Mode(data=text.encode(), mode=Mode.TRY))
        assert 'automatically reverted back in 1m0s' in reply[0].messages[0].mode_details
        # Installed: no install, no reboot - the same boot goes on, configured (apid restarted with mTLS).
        wait_until(lambda: version(address, tls) == 'v1.14.0', timeout=20)  # mTLS with the config's OS CA
        history = collect_events(address, tls, machine_pb2.EventsRequest(tail_events=-1), timeout=2)
        names = [(ev.sequence, ev.action) for ev, _a in sequence_events(history)]
        assert ('install', machine_pb2.SequenceEvent.START) not in names
        assert ('boot', machine_pb2.SequenceEvent.START) in names
        # The tried config was never written: a reboot returns to maintenance mode.
        rpc(address, tls, MachineService.Reboot, machine_pb2.RebootRequest())
        time.sleep(0.5)
        wait_until(lambda: resource_yaml(address, insecure, STATUS, 'machine').startswith('stage: maintenance'),
                   timeout=20)
