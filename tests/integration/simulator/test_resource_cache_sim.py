# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim keeps what it renders per machine (member entries, parsed configs) between reads: a change on
one machine must still show in the next read on another, with the resource's version grown, over raw gRPC."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc

MEMBERS = ('cluster', 'Members.cluster.talos.dev')
KUBELET_IMAGE = 'ghcr.io/siderolabs/kubelet:v1.34.9'


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1')


def _list(fleet, machine: str, namespace: str, resource_type: str) -> dict[str, tuple[int, Any]]:
    """id -> (version, YAML spec) of every resource of a type on a machine."""
    replies = rpc(fleet.address(machine), fleet.tls(), State.List,
                  state_pb2.ListRequest(namespace=namespace, type=resource_type))
    return {r.resource.metadata.id: (int(r.resource.metadata.version), yaml.safe_load(r.resource.spec.yaml_spec))
            for r in replies}


def _get(fleet, machine: str, namespace: str, resource_type: str, resource_id: str) -> tuple[int, Any]:
    reply = rpc(fleet.address(machine), fleet.tls(), State.Get,
                state_pb2.GetRequest(namespace=namespace, type=resource_type, id=resource_id))[0]
    return int(reply.resource.metadata.version), yaml.safe_load(reply.resource.spec.yaml_spec)


def _member_of(members: dict[str, tuple[int, Any]], hostname: str) -> tuple[str, int]:
    """(node ID, version) of the member with this hostname."""
    return next((node_id, version) for node_id, (version, spec) in members.items() if spec['hostname'] == hostname)


def _rename_worker(fleet, hostname: str) -> None:
    """A live apply on the worker: a new hostname and kubelet image, no reboot."""
    address, tls = fleet.address('talos-worker-1'), fleet.tls()
    request = state_pb2.GetRequest(namespace='config', type='MachineConfigs.config.talos.dev', id='v1alpha1')
    reply = rpc(address, tls, State.Get, request)[0]
    running = config_pb2.MachineConfigSpec.FromString(reply.resource.spec.proto_spec).yaml_marshalled.decode()
    named = 'kind: HostnameConfig\nhostname: talos-worker-1\n'
    assert named in running
    changed = patch.apply_patches(running.replace(named, 'kind: HostnameConfig\nhostname: %s\n' % hostname),
                                  [{'machine': {'kubelet': {'image': KUBELET_IMAGE}}}])
    mode = machine_pb2.ApplyConfigurationRequest.NO_REBOOT
    rpc(address, tls, MachineService.ApplyConfiguration,
        machine_pb2.ApplyConfigurationRequest(data=changed.encode(), mode=mode))


def test_a_change_on_one_machine_shows_in_the_next_read_on_another(fleet):
    before = _list(fleet, 'talos-cp-1', *MEMBERS)
    node_id, version = _member_of(before, 'talos-worker-1')
    assert _get(fleet, 'talos-worker-1', 'k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')[1][
        'expectedNodename'] == 'talos-worker-1'

    _rename_worker(fleet, 'renamed-worker')

    after = _list(fleet, 'talos-cp-1', *MEMBERS)
    assert _member_of(after, 'renamed-worker') == (node_id, version + 1)
    assert {spec['hostname'] for _version, spec in after.values()} == {'talos-cp-1', 'renamed-worker'}
    assert _get(fleet, 'talos-cp-1', *MEMBERS, node_id) == after[node_id]
    # the worker's own reads follow too: its parsed config (kubelet image) and its name
    kubelet = _get(fleet, 'talos-worker-1', 'k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')[1]
    assert (kubelet['image'], kubelet['expectedNodename']) == (KUBELET_IMAGE, 'renamed-worker')
    assert _get(fleet, 'talos-worker-1', 'k8s', 'Nodenames.kubernetes.talos.dev', 'nodename')[1][
        'nodename'] == 'renamed-worker'
    # what did not change keeps its version
    assert _member_of(after, 'talos-cp-1') == _member_of(before, 'talos-cp-1')
