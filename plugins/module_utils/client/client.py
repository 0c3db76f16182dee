# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TalosClient: one method per Talos RPC, plain Python data in and out.

Every method takes ``node`` (where the call runs; None = the node behind the endpoint) and
raises TalosError carrying the gRPC code and the node. Private module: free to change.
"""

from __future__ import annotations

from typing import Any, AsyncIterable, AsyncIterator, Iterable

from ansible_collections.talos.linux.plugins.module_utils._api.cluster import cluster_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cluster.cluster_grpc import ClusterService
from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, lifecycle_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.lifecycle_grpc import LifecycleService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import decode_event
from ansible_collections.talos.linux.plugins.module_utils.client.resources import resource_to_dict
from ansible_collections.talos.linux.plugins.module_utils.client.transport import Transport

HEALTH_STREAM_MARGIN = 30.0  # seconds the HealthCheck stream may outlive its wait_timeout (last lines, status)
READ_LIMIT = 1 << 20  # read_file() is for small files; stream larger ones with read()


class TalosClient(Transport):
    """Talos API client; use ``async with TalosClient(settings) as client``."""

    async def version(self, node: str | None = None) -> dict[str, Any]:
        reply = await self.unary(MachineService.Version, node=node, read_only=True)
        msg = reply.messages[0]
        info = {name: getattr(msg.version, name) for name in ('tag', 'sha', 'built', 'go_version', 'os', 'arch')}
        info['platform'] = {'name': msg.platform.name, 'mode': msg.platform.mode} if msg.HasField('platform') else None
        info['rbac'] = msg.features.rbac if msg.HasField('features') else None
        return info

    async def hostname(self, node: str | None = None) -> str:
        reply = await self.unary(MachineService.Hostname, node=node, read_only=True)
        return reply.messages[0].hostname

    async def read(self, path: str, node: str | None = None) -> AsyncIterator[bytes]:
        """The bytes of a file on the node, chunk by chunk (MachineService.Read, os:admin)."""
        request = machine_pb2.ReadRequest(path=path)
        async for data in self.stream(MachineService.Read, request, node=node, read_only=True):
            yield data.bytes

    async def read_file(self, path: str, node: str | None = None, limit: int = READ_LIMIT) -> bytes:
        chunks, size = [], 0
        async for chunk in self.read(path, node):
            size += len(chunk)
            if size > limit:
                raise TalosError('%s is larger than %d bytes' % (path, limit), node=node)
            chunks.append(chunk)
        return b''.join(chunks)

    async def get_resource(self, namespace: str, resource_type: str, resource_id: str,
                           node: str | None = None) -> dict[str, Any]:
        request = state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id)
        reply = await self.unary(State.Get, request, node=node, read_only=True)
        return resource_to_dict(reply.resource)

    async def machine_config(self, resource_id: str = 'v1alpha1', node: str | None = None) -> str | None:
        """The machine config as the node holds it (exact bytes submitted): ``v1alpha1`` (active) or
        ``persistent`` (on disk); None when the node has none. Needs os:admin (a sensitive resource)."""
        request = state_pb2.GetRequest(namespace='config', type='MachineConfigs.config.talos.dev', id=resource_id)
        try:
            reply = await self.unary(State.Get, request, node=node, read_only=True)
        except TalosError as exc:
            if exc.code == 'NOT_FOUND':
                return None
            raise
        spec = reply.resource.spec
        if spec.proto_spec:
            return config_pb2.MachineConfigSpec.FromString(spec.proto_spec).yaml_marshalled.decode('utf-8')
        return resource_to_dict(reply.resource)['spec']

    async def list_resources(self, namespace: str, resource_type: str,
                             node: str | None = None) -> AsyncIterator[dict[str, Any]]:
        request = state_pb2.ListRequest(namespace=namespace, type=resource_type)
        async for reply in self.stream(State.List, request, node=node, read_only=True):
            yield resource_to_dict(reply.resource)

    async def kubeconfig(self, node: str | None = None) -> AsyncIterator[bytes]:
        """The admin kubeconfig as Talos sends it (a gzip'd tar with one file), chunk by chunk."""
        async for data in self.stream(MachineService.Kubeconfig, node=node, read_only=True):
            yield data.bytes

    async def meta_write(self, key: int, value: bytes, node: str | None = None) -> None:
        await self.unary(MachineService.MetaWrite, machine_pb2.MetaWriteRequest(key=key, value=value), node=node)

    async def meta_delete(self, key: int, node: str | None = None) -> None:
        await self.unary(MachineService.MetaDelete, machine_pb2.MetaDeleteRequest(key=key), node=node)

    async def service_list(self, node: str | None = None) -> list[dict[str, Any]]:
        """The node's system services: id, state, health, the message of the last event and every event's
        message (oldest first: Talos keeps the recent ones)."""
        reply = await self.unary(MachineService.ServiceList, node=node, read_only=True)
        out = []
        for service in reply.messages[0].services:
            events = service.events.events
            out.append({'id': service.id, 'state': service.state, 'healthy': service.health.healthy,
                        'health_unknown': service.health.unknown, 'message': events[-1].msg if events else '',
                        'events': [event.msg for event in events]})
        return out

    async def service_start(self, service_id: str, node: str | None = None) -> str:
        """Start a service (Talos allows it for kubelet and extension services); Talos's answer text."""
        reply = await self.unary(MachineService.ServiceStart, machine_pb2.ServiceStartRequest(id=service_id),
                                 node=node)
        return reply.messages[0].resp

    async def service_stop(self, service_id: str, node: str | None = None) -> str:
        reply = await self.unary(MachineService.ServiceStop, machine_pb2.ServiceStopRequest(id=service_id), node=node)
        return reply.messages[0].resp

    async def service_restart(self, service_id: str, node: str | None = None) -> str:
        reply = await self.unary(MachineService.ServiceRestart, machine_pb2.ServiceRestartRequest(id=service_id),
                                 node=node)
        return reply.messages[0].resp

    async def health_check(self, wait_timeout: float, controlplanes: Iterable[str] = (), workers: Iterable[str] = (),
                           node: str | None = None) -> AsyncIterator[str]:
        """ClusterService.HealthCheck (control planes only): Talos's progress lines as they come.

        The stream ends after the last check passed, or raises (DEADLINE_EXCEEDED) once ``wait_timeout``
        ran out on a failing check. With no nodes given, the node finds them through discovery.
        """
        request = cluster_pb2.HealthCheckRequest(cluster_info=cluster_pb2.ClusterInfo(
            control_plane_nodes=list(controlplanes), worker_nodes=list(workers)))
        request.wait_timeout.FromNanoseconds(int(wait_timeout * 1e9))
        async for progress in self.stream(ClusterService.HealthCheck, request, node=node,
                                          timeout=wait_timeout + HEALTH_STREAM_MARGIN):
            yield progress.message

    async def watch(self, namespace: str, resource_type: str, resource_id: str | None = None,
                    node: str | None = None, bootstrap: bool = False, aggregated: bool = False,
                    timeout: float | None = None) -> AsyncIterator[dict[str, Any]]:
        """COSI Watch: {'type': CREATED|UPDATED|DESTROYED|BOOTSTRAPPED|ERRORED|NOOP, 'resource', 'old', 'error'}
        per event, as they happen (iterate; stop whenever). ``resource_id`` watches one resource (first event:
        its current state, DESTROYED when absent); else the whole kind, with the existing resources first as
        CREATED events and then BOOTSTRAPPED when ``bootstrap``. The server's empty "ready" message is
        skipped. ``timeout`` bounds the whole stream."""
        request = state_pb2.WatchRequest(namespace=namespace, type=resource_type, api_version=1,
                                         options=state_pb2.WatchOptions(bootstrap_contents=bootstrap,
                                                                        aggregated=aggregated))
        if resource_id is not None:
            request.id = resource_id
        async for reply in self.stream(State.Watch, request, node=node, timeout=timeout):
            for event in reply.event:
                yield _watch_event(event)

    # etcd (control planes only; workers answer UNIMPLEMENTED). Member IDs are plain ints.

    async def etcd_members(self, node: str | None = None, query_local: bool = False) -> list[dict[str, Any]]:
        request = machine_pb2.EtcdMemberListRequest(query_local=query_local)
        reply = await self.unary(MachineService.EtcdMemberList, request, node=node, read_only=True)
        return [{'id': member.id, 'hostname': member.hostname, 'peer_urls': list(member.peer_urls),
                 'client_urls': list(member.client_urls), 'learner': member.is_learner}
                for member in reply.messages[0].members]

    async def etcd_status(self, node: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        reply = await self.unary(MachineService.EtcdStatus, node=node, read_only=True, timeout=timeout)
        status = reply.messages[0].member_status
        return {'member_id': status.member_id, 'protocol_version': status.protocol_version,
                'storage_version': status.storage_version, 'db_size': status.db_size,
                'db_size_in_use': status.db_size_in_use, 'leader': status.leader, 'raft_index': status.raft_index,
                'raft_term': status.raft_term, 'raft_applied_index': status.raft_applied_index,
                'errors': list(status.errors), 'learner': status.is_learner}

    async def etcd_alarms(self, node: str | None = None) -> list[dict[str, Any]]:
        reply = await self.unary(MachineService.EtcdAlarmList, node=node, read_only=True)
        return _alarms(reply.messages[0].member_alarms)

    async def etcd_alarm_disarm(self, node: str | None = None) -> list[dict[str, Any]]:
        """Disarm every alarm of the node's member; returns the alarms that were disarmed."""
        reply = await self.unary(MachineService.EtcdAlarmDisarm, node=node)
        return _alarms(reply.messages[0].member_alarms)

    async def etcd_defragment(self, node: str | None = None, timeout: float | None = None) -> None:
        await self.unary(MachineService.EtcdDefragment, node=node, timeout=timeout)

    async def etcd_remove_member(self, member_id: int, node: str | None = None) -> None:
        request = machine_pb2.EtcdRemoveMemberByIDRequest(member_id=member_id)
        await self.unary(MachineService.EtcdRemoveMemberByID, request, node=node)

    async def etcd_leave_cluster(self, node: str | None = None) -> None:
        await self.unary(MachineService.EtcdLeaveCluster, node=node)

    async def etcd_forfeit_leadership(self, node: str | None = None) -> str:
        """Make the node's member hand leadership over; the new leader's name ('' when it was no leader)."""
        reply = await self.unary(MachineService.EtcdForfeitLeadership, node=node)
        return reply.messages[0].member

    async def etcd_snapshot(self, node: str | None = None, timeout: float | None = None) -> AsyncIterator[bytes]:
        """The node's etcd snapshot in chunks of about 1 MiB (never all of it at once).

        Read straight off HTTP/2 (client.bulk_stream): grpclib spends tens of microseconds on each of the
        quarter of a million 1 KiB messages a large snapshot arrives in.
        """
        from ansible_collections.talos.linux.plugins.module_utils.client.bulk_stream import data_stream
        async for chunk in data_stream(self, MachineService.EtcdSnapshot, node=node, timeout=timeout):
            yield chunk

    async def etcd_recover(self, chunks: Iterable[bytes] | AsyncIterable[bytes], node: str | None = None,
                           timeout: float | None = None) -> None:
        """Upload a snapshot for the next ``bootstrap(recover=True)``; chunks are sent as they come."""
        await self.client_stream(MachineService.EtcdRecover, _data_messages(chunks), node=node, timeout=timeout)

    async def bootstrap(self, node: str | None = None, recover: bool = False, skip_hash_check: bool = False) -> None:
        request = machine_pb2.BootstrapRequest(recover_etcd=recover, recover_skip_hash_check=skip_hash_check)
        await self.unary(MachineService.Bootstrap, request, node=node)

    async def apply_configuration(self, data: bytes, mode: str, node: str | None = None, dry_run: bool = False,
                                  try_timeout: float | None = None) -> dict[str, Any]:
        """ApplyConfiguration with the mode always set (AUTO, NO_REBOOT, REBOOT, STAGED, TRY): Talos's answer
        as {'mode' (the mode used), 'mode_details', 'warnings'}. Never retried."""
        request = machine_pb2.ApplyConfigurationRequest(
            data=data, mode=machine_pb2.ApplyConfigurationRequest.Mode.Value(mode), dry_run=dry_run)
        if try_timeout is not None:
            request.try_mode_timeout.FromNanoseconds(int(try_timeout * 1e9))
        reply = await self.unary(MachineService.ApplyConfiguration, request, node=node)
        message = reply.messages[0]
        return {'mode': machine_pb2.ApplyConfigurationRequest.Mode.Name(message.mode),
                'mode_details': message.mode_details, 'warnings': list(message.warnings)}

    # Lifecycle. These change the machine: never retried (a lost answer may hide a call that took effect).

    async def reboot(self, node: str | None = None, mode: str = 'DEFAULT') -> str:
        """Start a reboot (mode DEFAULT, POWERCYCLE or FORCE, 1.12+); the sequence's actor ID."""
        request = machine_pb2.RebootRequest(mode=machine_pb2.RebootRequest.Mode.Value(mode))
        reply = await self.unary(MachineService.Reboot, request, node=node)
        return reply.messages[0].actor_id

    async def shutdown(self, node: str | None = None, force: bool = False) -> str:
        reply = await self.unary(MachineService.Shutdown, machine_pb2.ShutdownRequest(force=force), node=node)
        return reply.messages[0].actor_id

    async def reset(self, node: str | None = None, *, graceful: bool = True, reboot: bool = False,
                    mode: str = 'ALL', system_labels: Iterable[str] = (), user_disks: Iterable[str] = ()) -> str:
        """Start a reset: wipe mode ALL, SYSTEM_DISK or USER_DISKS; volume labels / user disks to wipe."""
        request = machine_pb2.ResetRequest(
            graceful=graceful, reboot=reboot, mode=machine_pb2.ResetRequest.WipeMode.Value(mode),
            system_partitions_to_wipe=[machine_pb2.ResetPartitionSpec(label=label, wipe=True)
                                       for label in system_labels],
            user_disks_to_wipe=list(user_disks))
        reply = await self.unary(MachineService.Reset, request, node=node)
        return reply.messages[0].actor_id

    async def rollback(self, node: str | None = None) -> None:
        await self.unary(MachineService.Rollback, node=node)

    async def upgrade_legacy(self, image: str, node: str | None = None, *, stage: bool = False,
                             preserve: bool = False, force: bool = False, reboot_mode: str = 'DEFAULT') -> str:
        """MachineService.Upgrade (deprecated in 1.13): the node pulls, installs and reboots; the actor ID."""
        request = machine_pb2.UpgradeRequest(
            image=image, stage=stage, preserve=preserve, force=force,
            reboot_mode=machine_pb2.UpgradeRequest.RebootMode.Value(reboot_mode))
        reply = await self.unary(MachineService.Upgrade, request, node=node)
        return reply.messages[0].actor_id

    async def image_pull(self, reference: str, node: str | None = None, namespace: str = 'system',
                         timeout: float | None = None) -> AsyncIterator[dict[str, Any]]:
        """ImageService.Pull (1.13+): layer progress dicts, then {'name': pinned reference}."""
        request = image_pb2.ImageServicePullRequest(containerd=_containerd(namespace), image_ref=reference)
        async for reply in self.stream(ImageService.Pull, request, node=node, timeout=timeout):
            if reply.WhichOneof('response') == 'name':
                yield {'name': reply.name}
            else:
                progress = reply.pull_progress
                yield {'layer': progress.layer_id, 'status': progress.progress.Status.Name(progress.progress.status),
                       'offset': progress.progress.offset, 'total': progress.progress.total}

    async def lifecycle_upgrade(self, image: str, node: str | None = None, namespace: str = 'system',
                                timeout: float | None = None) -> AsyncIterator[dict[str, Any]]:
        """LifecycleService.Upgrade (1.13+): {'message': installer line} ..., then {'exit_code': n}."""
        request = lifecycle_pb2.LifecycleServiceUpgradeRequest(
            containerd=_containerd(namespace), source=lifecycle_pb2.InstallArtifactsSource(image_name=image))
        async for reply in self.stream(LifecycleService.Upgrade, request, node=node, timeout=timeout):
            kind = reply.progress.WhichOneof('response')
            if kind == 'exit_code':
                yield {'exit_code': reply.progress.exit_code}
            elif kind == 'message':
                yield {'message': reply.progress.message}

    async def events(self, node: str | None = None, tail_events: int = 0, actor_id: str = '',
                     timeout: float | None = None, tail_id: str = '') -> AsyncIterator[dict[str, Any]]:
        """The node's runtime events as they happen (first an empty hello, ``type`` None); see client.events.

        ``tail_id``: start after that event (a resumed watch); an ID of another boot gives the whole buffer.
        """
        request = machine_pb2.EventsRequest(tail_events=tail_events, tail_id=tail_id, with_actor_id=actor_id)
        async for event in self.stream(MachineService.Events, request, node=node, timeout=timeout):
            yield decode_event(event)


def _watch_event(event: Any) -> dict[str, Any]:
    kind = state_pb2.EventType.Name(event.event_type)
    has_resource = event.HasField('resource') and kind not in ('BOOTSTRAPPED', 'ERRORED', 'NOOP')
    return {'type': kind,
            'resource': resource_to_dict(event.resource) if has_resource else None,
            'old': resource_to_dict(event.old) if event.HasField('old') else None,
            'error': event.error if event.HasField('error') else None}


def _alarms(alarms: Any) -> list[dict[str, Any]]:
    names = machine_pb2.EtcdMemberAlarm.AlarmType
    return [{'member_id': alarm.member_id, 'alarm': names.Name(alarm.alarm)} for alarm in alarms]


async def _data_messages(chunks: Iterable[bytes] | AsyncIterable[bytes]) -> AsyncIterator[Any]:
    if hasattr(chunks, '__aiter__'):
        async for chunk in chunks:  # type: ignore[union-attr]
            yield common_pb2.Data(bytes=chunk)
    else:
        for chunk in chunks:  # type: ignore[union-attr]
            yield common_pb2.Data(bytes=chunk)


# containerd instance of the talosctl --namespace values: system (default), cri, inmem
_CONTAINERD = {'system': ('CRI', 'NS_SYSTEM'), 'cri': ('CRI', 'NS_CRI'), 'inmem': ('CONTAINERD', 'NS_SYSTEM')}


def _containerd(namespace: str) -> Any:
    driver, space = _CONTAINERD[namespace]
    return common_pb2.ContainerdInstance(driver=common_pb2.ContainerDriver.Value(driver),
                                         namespace=common_pb2.ContainerdNamespace.Value(space))
