# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reboot, Shutdown, Reset, Rollback, legacy Upgrade and ImagePull, Events; ImageService.Pull and
LifecycleService.Upgrade (1.13+). Sequence RPCs answer at once with an actor ID and run in the background."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, lifecycle_pb2

from simulator import containerd_instances, events, installer, kube_image_store, kube_images
from simulator.api import ImageService, LifecycleService, MachineService, machine_pb2
from simulator.calls import Call, server_stream, unary
from simulator.lifecycle import (STEP, SYSTEM_DISK, SYSTEM_VOLUMES, UPGRADE_CHECKS, USER_DISKS, lifecycle_of,
                                 new_actor_id)
from simulator.versions import PRESERVE_SKIPS_ETCD_CHECKS

_PULL_STATUS = image_pb2.ImageServicePullLayerProgress
log = logging.getLogger(__name__)


@unary(MachineService.Reboot)
async def reboot(call: Call) -> Any:
    lifecycle = lifecycle_of(call.machine)
    actor_id = new_actor_id()
    force = call.request.mode == machine_pb2.RebootRequest.FORCE
    # No takeover: a running upgrade or shutdown refuses it (v1alpha1_server.go:Reboot @ v1.13.9).
    lifecycle.begin('reboot', actor_id, lambda: lifecycle.reboot(actor_id, force=force))
    return machine_pb2.RebootResponse(messages=[machine_pb2.Reboot(actor_id=actor_id)])


@unary(MachineService.Shutdown)
async def shutdown(call: Call) -> Any:
    lifecycle = lifecycle_of(call.machine)
    actor_id = new_actor_id()
    # Shutdown always takes over (v1alpha1_server.go:Shutdown, WithTakeover @ v1.13.9).
    lifecycle.begin('shutdown', actor_id, lambda: lifecycle.shutdown(actor_id, force=call.request.force),
                    takeover=True)
    return machine_pb2.ShutdownResponse(messages=[machine_pb2.Shutdown(actor_id=actor_id)])


def _check_reset(request: Any) -> frozenset[str]:
    """Validate a ResetRequest as machined does; the system volumes it wipes (all of them: the whole disk)."""
    if request.user_disks_to_wipe and request.mode == request.SYSTEM_DISK:
        raise GRPCError(Status.UNKNOWN, "reset failed: invalid input, wipe mode SYSTEM_DISK doesn't support "
                                        "UserDisksToWipe parameter")
    for device in request.user_disks_to_wipe:
        if device == SYSTEM_DISK:
            raise GRPCError(Status.UNKNOWN, 'reset user disk failed: device %s is the system disk' % device)
        if device not in USER_DISKS:
            raise GRPCError(Status.UNKNOWN, "reset user disk failed: device %s wasn't found" % device)
    if request.system_partitions_to_wipe and request.mode == request.USER_DISKS:
        raise GRPCError(Status.UNKNOWN, "reset failed: invalid input, wipe mode USER_DISKS doesn't support "
                                        "SystemPartitionsToWipe parameter")
    for spec in request.system_partitions_to_wipe:
        if spec.label not in SYSTEM_VOLUMES:
            raise GRPCError(Status.UNKNOWN, 'failed to get volume status with label "%s": resource '
                                            "VolumeStatuses.block.talos.dev(runtime/%s@undefined) doesn't exist"
                            % (spec.label, spec.label))
    if request.mode == request.USER_DISKS:
        return frozenset()
    if not request.system_partitions_to_wipe:
        return frozenset(SYSTEM_VOLUMES)  # the whole system disk
    return frozenset(spec.label for spec in request.system_partitions_to_wipe if spec.wipe)


@unary(MachineService.Reset)
async def reset(call: Call) -> Any:
    wiped = _check_reset(call.request)
    lifecycle = lifecycle_of(call.machine)
    actor_id = new_actor_id()
    lifecycle.begin('reset', actor_id, lambda: lifecycle.reset(actor_id, call.request, wiped))
    return machine_pb2.ResetResponse(messages=[machine_pb2.Reset(actor_id=actor_id)])


@unary(MachineService.Rollback)
async def rollback(call: Call) -> Any:
    lifecycle = lifecycle_of(call.machine)
    if lifecycle.previous is None:
        # Only one boot entry was ever written: the bootloader has nothing to flip to.
        raise GRPCError(Status.UNKNOWN, 'cannot rollback to "", label does not exist')
    # The reboot after a rollback takes over, without an actor ID (v1alpha1_server.go:Rollback @ v1.13.9).
    lifecycle.begin('reboot', '', lifecycle.rollback, takeover=True)
    return machine_pb2.RollbackResponse(messages=[machine_pb2.Rollback()])


@unary(MachineService.Upgrade)
async def upgrade(call: Call) -> Any:
    """Legacy upgrade (deprecated in 1.13): pull and check the installer, etcd checks, then the sequence."""
    machine, request = call.machine, call.request
    lifecycle = lifecycle_of(machine)
    try:
        image, _present = await lifecycle.pull(request.image)
    except installer.ImageNotFound as exc:
        raise GRPCError(Status.UNKNOWN, 'error validating installer image "%s": failed to pull image "%s": %s'
                        % (request.image, request.image, exc)) from None
    skip_checks = request.force or (request.preserve and machine.version.has(PRESERVE_SKIPS_ETCD_CHECKS))
    if machine.planned_type != 'worker' and not skip_checks:
        for check in UPGRADE_CHECKS:
            await check(machine, request)
    actor_id = new_actor_id()
    lifecycle.begin('stageUpgrade' if request.stage else 'upgrade', actor_id,
                    lambda: lifecycle.upgrade(actor_id, image, stage=request.stage))
    return machine_pb2.UpgradeResponse(messages=[
        machine_pb2.Upgrade(ack='Upgrade request received', actor_id=actor_id)])


def _not_found(reference: str, exc: Exception) -> GRPCError:
    return GRPCError(Status.NOT_FOUND, 'error pulling image: failed to pull image "%s": %s' % (reference, exc))


@unary(MachineService.ImagePull)
async def image_pull(call: Call) -> Any:
    """Legacy ImagePull (deprecated in 1.13): a Kubernetes image into the namespace asked for, else an installer."""
    reference = call.request.reference
    try:
        if kube_images.repository_of(reference):
            instance = containerd_instances.of_legacy(call.request.namespace)
            await kube_image_store.pull(call.machine, instance, reference, lifecycle_of(call.machine).pull_delay)
        else:
            await lifecycle_of(call.machine).pull(reference)
    except installer.ImageNotFound as exc:
        raise _not_found(reference, exc) from None
    return machine_pb2.ImagePullResponse(messages=[machine_pb2.ImagePull()])


async def _pulled(call: Call, reference: str) -> tuple[str, list[tuple[str, int]], bool]:
    """Pull into the machine's containerd: (pinned name, layers, already present). A Kubernetes image goes into
    the instance the request names, checked as Talos checks it; an installer keeps talos-sim's one store, which
    also serves requests that name no instance (Talos refuses those: NS_UNKNOWN)."""
    try:
        if kube_images.repository_of(reference):
            instance = containerd_instances.of_image_service(call.request.containerd)
            delay = lifecycle_of(call.machine).pull_delay
            kube, present = await kube_image_store.pull(call.machine, instance, reference, delay)
            return kube.pinned, kube.layers(), present
        if call.request.HasField('containerd'):
            containerd_instances.of_image_service(call.request.containerd)
        image, present = await lifecycle_of(call.machine).pull(reference)
    except installer.ImageNotFound as exc:
        raise _not_found(reference, exc) from None
    return image.pinned, installer.layers(image), present


@server_stream(ImageService.Pull)
async def pull(call: Call) -> AsyncIterator[Any]:
    reference = call.request.image_ref
    if not reference.strip():
        raise GRPCError(Status.UNKNOWN, 'failed to parse image reference "": invalid reference format')
    pinned, layers, present = await _pulled(call, reference)
    statuses = [_PULL_STATUS.ALREADY_EXISTS] if present else [
        _PULL_STATUS.DOWNLOADING, _PULL_STATUS.DOWNLOAD_COMPLETE, _PULL_STATUS.EXTRACTING,
        _PULL_STATUS.EXTRACT_COMPLETE]
    for layer, size in layers:
        for status in statuses:
            done = status != _PULL_STATUS.DOWNLOADING
            progress = _PULL_STATUS(status=status, offset=size if done else 0, total=size)
            yield image_pb2.ImageServicePullResponse(
                pull_progress=image_pb2.ImageServicePullProgress(layer_id=layer, progress=progress))
    yield image_pb2.ImageServicePullResponse(name=pinned)


@server_stream(LifecycleService.Upgrade)
async def lifecycle_upgrade(call: Call) -> AsyncIterator[Any]:
    """Run the installer from an image already in containerd; the new image boots at the next reboot."""
    lifecycle = lifecycle_of(call.machine)
    if lifecycle.installing:
        raise GRPCError(Status.FAILED_PRECONDITION, 'another installation/upgrade is already in progress')
    name = call.request.source.image_name
    if not name:
        raise GRPCError(Status.INVALID_ARGUMENT, 'installer image name is required')
    image = lifecycle.stored_image(name)
    if image is None:
        raise GRPCError(Status.INTERNAL, 'upgrade failed: installer image "%s" not found in containerd store: '
                                         'image "%s": not found' % (name, name))
    lifecycle.installing = True
    # machined's own lines around the installer run (lifecycle.go:Service.Upgrade @ v1.14.0-rc.1).
    log.info('%s: starting upgrade (installer_image %s, disk %s)', call.machine.name, name, SYSTEM_DISK)
    try:
        lines, exit_code = lifecycle.install(image)
        for line in lines:
            await asyncio.sleep(STEP)
            yield lifecycle_pb2.LifecycleServiceUpgradeResponse(
                progress=lifecycle_pb2.LifecycleServiceInstallProgress(message=line))
        if exit_code == 0:
            log.info('%s: upgrade completed (exit_code %d)', call.machine.name, exit_code)
        else:
            log.warning('%s: upgrade failed (exit_code %d)', call.machine.name, exit_code)
        yield lifecycle_pb2.LifecycleServiceUpgradeResponse(
            progress=lifecycle_pb2.LifecycleServiceInstallProgress(exit_code=exit_code))
    finally:
        lifecycle.installing = False


_XID_CHARS = frozenset('0123456789abcdefghijklmnopqrstuv')


@server_stream(MachineService.Events)
async def events_(call: Call) -> AsyncIterator[Any]:
    request = call.request
    if request.tail_id and (len(request.tail_id) != 20 or not set(request.tail_id) <= _XID_CHARS):
        raise GRPCError(Status.UNKNOWN, 'error parsing tail_id: xid: invalid ID')
    bus = lifecycle_of(call.machine).events
    yield events.hello(request.with_actor_id).to_proto()
    async for event in bus.watch(request.tail_events, request.tail_id, request.tail_seconds,
                                 request.with_actor_id):
        yield event.to_proto()
