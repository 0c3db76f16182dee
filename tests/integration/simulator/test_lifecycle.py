# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim lifecycle over raw gRPC: reboots, upgrades (both APIs), reset, rollback, events, injected faults."""

from __future__ import annotations

import asyncio
import time

import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError, StreamTerminatedError

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, lifecycle_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.lifecycle_grpc import LifecycleService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client.tls import insecure_client_context
from ansible_collections.talos.linux.tests.integration.simulator.conftest import (
    PORT, SimFleet, rpc, run_sim, start_sim_fleet,
)

# A schematic the fleet's factory learns in the tests that use it (the factory serves known schematics only).
SCHEMATIC_YAML = 'customization:\n  extraKernelArgs:\n    - talos-sim-test\n'
BOOT_ID = '/proc/sys/kernel/random/boot_id'


def _fleet(tmp_path_factory, *args: str):
    state_dir = str(tmp_path_factory.mktemp('lifecycle'))
    fleet = start_sim_fleet(state_dir, '--reboot-delay', '0.3', *args)
    try:
        yield fleet
    finally:
        run_sim('down', '--state-dir', state_dir)


@pytest.fixture(scope='module')
def fleet114(tmp_path_factory):
    yield from _fleet(tmp_path_factory, '--controlplanes', '1', '--workers', '2', '--bootstrap')


@pytest.fixture(scope='module')
def fleet112(tmp_path_factory):
    yield from _fleet(tmp_path_factory, '--controlplanes', '1', '--workers', '1',
                      '--talos-version', 'v1.12.6')


def grpc_error(*args) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        rpc(*args)
    return info.value


def boot_id(fleet: SimFleet, name: str) -> str:
    data = rpc(fleet.address(name), fleet.tls(), MachineService.Read, machine_pb2.ReadRequest(path=BOOT_ID))
    return b''.join(d.bytes for d in data).decode().strip()


def version(address: str, tls) -> str:
    return rpc(address, tls, MachineService.Version)[0].messages[0].version.tag


def resource_yaml(address: str, tls, resource_type: str, resource_id: str, namespace: str = 'runtime') -> str:
    request = state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id)
    return rpc(address, tls, State.Get, request)[0].resource.spec.yaml_spec


def wait_until(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (GRPCError, StreamTerminatedError, OSError, ConnectionError):
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, 'condition not met within %.0fs' % timeout
        time.sleep(0.1)


async def _collect_events(address: str, tls, request, action, until, timeout: float) -> list:
    """Open Events, run ``action()`` once the hello event arrived, collect events until ``until(events)``."""
    channel = Channel(address, PORT, ssl=tls)
    seen: list = []
    try:
        method = MachineService.Events
        async with channel.request(method.path, Cardinality.UNARY_STREAM, method.request, method.reply,
                                   timeout=timeout) as stream:
            await stream.send_message(request, end=True)
            seen.append(await stream.recv_message())
            if action is not None:
                await asyncio.get_running_loop().run_in_executor(None, action)
            while not until(seen):
                event = await stream.recv_message()
                if event is None:
                    break
                seen.append(event)
    except (GRPCError, StreamTerminatedError, OSError, ConnectionError, asyncio.TimeoutError):
        pass  # the machine went down under the stream
    finally:
        channel.close()
    return seen


def collect_events(address, tls, request=None, action=None, until=lambda seen: False, timeout=5.0) -> list:
    request = request or machine_pb2.EventsRequest()
    return asyncio.run(_collect_events(address, tls, request, action, until, timeout))


def decode(event):
    name = event.data.type_url.rsplit('/', 1)[-1]
    cls = {'machine.SequenceEvent': machine_pb2.SequenceEvent, 'machine.PhaseEvent': machine_pb2.PhaseEvent,
           'machine.TaskEvent': machine_pb2.TaskEvent,
           'machine.MachineStatusEvent': machine_pb2.MachineStatusEvent}.get(name)
    return name, (cls.FromString(event.data.value) if cls else None)


def test_reboot_events_and_new_boot_id(fleet114):
    name = 'talos-worker-1'
    address, tls = fleet114.address(name), fleet114.tls()
    before = boot_id(fleet114, name)
    replies = []

    def reboot():
        replies.append(rpc(address, tls, MachineService.Reboot, machine_pb2.RebootRequest())[0].messages[0])
    seen = collect_events(address, tls, action=reboot)
    hello = seen[0]
    assert hello.data.type_url == '' and len(hello.id) == 20
    actor = replies[0].actor_id
    decoded = [(decode(event), event.actor_id) for event in seen[1:]]
    assert (('machine.SequenceEvent', machine_pb2.SequenceEvent(sequence='reboot', action=1)), actor) in decoded
    tasks = [payload.task for (kind, payload), _actor in decoded if kind == 'machine.TaskEvent']
    assert 'stopAllServices' in tasks and tasks[-1] == 'reboot'
    stages = [payload.stage for (kind, payload), _actor in decoded if kind == 'machine.MachineStatusEvent']
    assert stages[0] == machine_pb2.MachineStatusEvent.REBOOTING
    after = wait_until(lambda: boot_id(fleet114, name) != before and boot_id(fleet114, name))
    assert after != before
    # Back up: booting (not ready) first, then running and ready; the whole boot is in the buffer.
    status = wait_until(lambda: 'stage: running' in resource_yaml(
        address, tls, 'MachineStatuses.runtime.talos.dev', 'machine') and 'ready: true' in resource_yaml(
        address, tls, 'MachineStatuses.runtime.talos.dev', 'machine'))
    assert status
    history = collect_events(address, tls, machine_pb2.EventsRequest(tail_events=-1),
                             until=lambda seen: any(decode(e)[0] == 'machine.MachineStatusEvent'
                                                    and decode(e)[1].stage == 4 for e in seen))
    kinds = [decode(event)[1] for event in history[1:]]
    assert machine_pb2.SequenceEvent(sequence='boot', action=1) in kinds
    # Readiness changes while booting are published too (same stage, other unmet conditions): stages in order.
    stages = [k.stage for k in kinds if isinstance(k, machine_pb2.MachineStatusEvent)]
    assert [stage for index, stage in enumerate(stages) if index == 0 or stages[index - 1] != stage][:2] == [1, 4]


def test_reader_may_not_reboot_and_tail_id_is_checked(fleet114):
    address = fleet114.address('talos-cp-1')
    err = grpc_error(address, fleet114.tls('sim-reader'), MachineService.Reboot, machine_pb2.RebootRequest())
    assert (err.status, err.message) == (Status.PERMISSION_DENIED, 'not authorized')
    err = grpc_error(address, fleet114.tls('sim-reader'), MachineService.Reset, machine_pb2.ResetRequest())
    assert err.status == Status.PERMISSION_DENIED
    err = grpc_error(address, fleet114.tls(), MachineService.Events, machine_pb2.EventsRequest(tail_id='nope'))
    assert err.status == Status.UNKNOWN and 'tail_id' in err.message


def test_pull_upgrade_reboot_and_rollback_on_1_14(fleet114):
    name = 'talos-worker-2'
    schematic = fleet114.post_schematic(SCHEMATIC_YAML)
    address, tls = fleet114.address(name), fleet114.tls()
    extensions = state_pb2.ListRequest(namespace='runtime', type='ExtensionStatuses.runtime.talos.dev')
    assert '376567988ad3' in rpc(address, tls, State.List, extensions)[0].resource.spec.yaml_spec
    containerd = common_pb2.ContainerdInstance(driver=common_pb2.ContainerDriver.Value('CRI'),
                                               namespace=common_pb2.ContainerdNamespace.Value('NS_SYSTEM'))
    bad = 'ghcr.io/siderolabs/installer:v1.99.0'
    err = grpc_error(address, tls, ImageService.Pull,
                     image_pb2.ImageServicePullRequest(containerd=containerd, image_ref=bad))
    assert err.status == Status.NOT_FOUND and bad in err.message
    image = 'factory.talos.dev/metal-installer/%s:v1.14.2' % schematic
    pulled = rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(containerd=containerd,
                                                                                    image_ref=image))
    assert pulled[-1].name.startswith('factory.talos.dev/metal-installer/%s@sha256:' % schematic)
    assert any(reply.HasField('pull_progress') for reply in pulled[:-1])
    err = grpc_error(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest(
        containerd=containerd, source=lifecycle_pb2.InstallArtifactsSource(image_name='ghcr.io/other:v1')))
    assert err.status == Status.INTERNAL and 'not found in containerd store' in err.message
    progress = rpc(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest(
        containerd=containerd, source=lifecycle_pb2.InstallArtifactsSource(image_name=pulled[-1].name)))
    assert progress[-1].progress.exit_code == 0 and progress[-1].progress.WhichOneof('response') == 'exit_code'
    assert progress[-2].progress.message == 'installation of v1.14.2 complete'
    assert version(address, tls) == 'v1.14.0'  # the installer does not reboot
    rpc(address, tls, MachineService.Reboot, machine_pb2.RebootRequest(mode=machine_pb2.RebootRequest.POWERCYCLE))
    wait_until(lambda: version(address, tls) == 'v1.14.2')
    assert schematic in rpc(address, tls, State.List, extensions)[0].resource.spec.yaml_spec
    rpc(address, tls, MachineService.Rollback, machine_pb2.RollbackRequest())
    wait_until(lambda: version(address, tls) == 'v1.14.0')


def test_injected_installer_failure(fleet114):
    name = 'talos-worker-1'
    schematic = fleet114.post_schematic(SCHEMATIC_YAML)
    address, tls = fleet114.address(name), fleet114.tls()
    image = 'factory.talos.dev/metal-installer/%s:v1.14.1' % schematic
    rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=image))
    fleet114.ctl('fail-upgrade', name)
    progress = rpc(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest(
        source=lifecycle_pb2.InstallArtifactsSource(image_name=image)))
    assert progress[-1].progress.exit_code == 1
    assert progress[-2].progress.message.startswith('error:')


def test_legacy_upgrade_and_rollback_errors_on_1_12(fleet112):
    name = 'talos-worker-1'
    address, tls = fleet112.address(name), fleet112.tls()
    err = grpc_error(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest())
    assert (err.status, err.message) == (Status.UNIMPLEMENTED, 'unknown service machine.LifecycleService')
    err = grpc_error(address, tls, MachineService.Rollback, machine_pb2.RollbackRequest())
    assert err.status == Status.UNKNOWN and 'cannot rollback' in err.message
    err = grpc_error(address, tls, MachineService.Upgrade, machine_pb2.UpgradeRequest(image='docker.io/me/installer:1'))
    assert err.status == Status.UNKNOWN and 'docker.io/me/installer:1' in err.message
    before = boot_id(fleet112, name)
    reply = rpc(address, tls, MachineService.Upgrade,
                machine_pb2.UpgradeRequest(image='ghcr.io/siderolabs/installer:v1.13.4'))[0].messages[0]
    assert reply.ack == 'Upgrade request received' and reply.actor_id
    wait_until(lambda: version(address, tls) == 'v1.13.4')
    assert boot_id(fleet112, name) != before
    # A failing installer: the sequence reports the error, the machine reboots into what it ran.
    fleet112.ctl('fail-upgrade', name)

    def upgrade():
        rpc(address, tls, MachineService.Upgrade, machine_pb2.UpgradeRequest(image='ghcr.io/siderolabs/installer:v1.13.5'))

    def fatal(event) -> bool:  # (a boot the upgrade took over ends CANCELED first)
        kind, payload = decode(event)
        return kind == 'machine.SequenceEvent' and payload.HasField('error') and payload.error.code == common_pb2.Code.Value('FATAL')
    seen = collect_events(address, tls, action=upgrade, until=lambda seen: any(fatal(e) for e in seen))
    errors = [decode(e)[1].error.message for e in seen if fatal(e)]
    assert errors and 'failed to run installer' in errors[0]
    time.sleep(0.5)
    wait_until(lambda: version(address, tls) == 'v1.13.4')


def test_reset_returns_to_maintenance(fleet112):
    name = 'talos-cp-1'
    address, tls = fleet112.address(name), fleet112.tls()
    err = grpc_error(address, tls, MachineService.Reset, machine_pb2.ResetRequest(
        system_partitions_to_wipe=[machine_pb2.ResetPartitionSpec(label='NOPE', wipe=True)]))
    assert err.status == Status.UNKNOWN and '"NOPE"' in err.message
    rpc(address, tls, MachineService.Reset, machine_pb2.ResetRequest(graceful=True, reboot=True))
    # Maintenance mode: TLS without client certificates, the ≤1.12 maintenance API.
    assert wait_until(lambda: resource_yaml(address, insecure_client_context(), 'MachineStatuses.runtime.talos.dev',
                                            'machine').startswith('stage: maintenance'))
    assert fleet112.cluster['machines'][0]['state'] == 'maintenance'
