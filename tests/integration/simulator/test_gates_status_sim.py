# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim over raw gRPC: the legacy Upgrade's ``preserve`` gate by patch release, 1.14's Bootstrap refusal
without an etcd CA, and MachineStatus events on readiness changes."""

from __future__ import annotations

import pytest
import yaml
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_apply_sim import _config
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import (
    collect_events, decode, resource_yaml, wait_until)

Mode = machine_pb2.ApplyConfigurationRequest
STATUS = 'MachineStatuses.runtime.talos.dev'
ETCD_REFUSAL = 'error validating etcd for upgrade: etcd is not running on any control plane'


@pytest.mark.parametrize('patch_release, preserve_skips', [
    ('v1.12.8', False), ('v1.12.9', True), ('v1.13.3', False), ('v1.13.4', True)])
def test_preserve_skips_the_legacy_upgrade_etcd_checks_from_a_patch_release(
        tmp_path_factory, patch_release, preserve_skips):
    """v1alpha1_server.go:Server.Upgrade @ v1.12.8/v1.13.3 (etcd checks unless force) and v1.12.9/v1.13.4
    (unless force or preserve). The control plane is not bootstrapped: the checks refuse."""
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.3',
                                '--talos-version', patch_release):
        address, tls = fleet.address('talos-cp-1'), fleet.tls()
        image = 'ghcr.io/siderolabs/installer:v1.13.4'
        with pytest.raises(GRPCError) as info:
            rpc(address, tls, MachineService.Upgrade, machine_pb2.UpgradeRequest(image=image))
        assert (info.value.status, info.value.message) == (Status.UNKNOWN, ETCD_REFUSAL)
        preserved = machine_pb2.UpgradeRequest(image=image, preserve=True)
        if preserve_skips:
            reply = rpc(address, tls, MachineService.Upgrade, preserved)[0].messages[0]
            assert reply.ack == 'Upgrade request received' and reply.actor_id
        else:
            with pytest.raises(GRPCError) as info:
                rpc(address, tls, MachineService.Upgrade, preserved)
            assert (info.value.status, info.value.message) == (Status.UNKNOWN, ETCD_REFUSAL)


def _etcd_ca(text: str) -> dict:
    doc = next(doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict) and doc.get('version') == 'v1alpha1')
    return doc['cluster']['etcd'].get('ca') or {}


def _without_etcd_ca(text: str) -> str:
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        if isinstance(doc, dict) and doc.get('version') == 'v1alpha1':
            del doc['cluster']['etcd']['ca']
    return yaml.safe_dump_all(docs, sort_keys=False)


@pytest.mark.parametrize('talos_version, refused', [('v1.14.0', True), ('v1.13.9', False)])
def test_bootstrap_without_an_etcd_ca(tmp_path_factory, talos_version, refused):
    """v1alpha1_server.go:Server.Bootstrap @ v1.14.0-rc.1: no cluster.etcd.ca -> InvalidArgument (1.13.9: no check).
    The config arrives through ApplyConfiguration (no_reboot: 1.13 takes a cluster change only with a reboot, so
    it is staged there and the machine rebooted)."""
    for fleet in _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--reboot-delay', '0.3',
                                '--talos-version', talos_version):
        address, tls = fleet.address('talos-cp-1'), fleet.tls()
        original = _config(fleet)
        stripped = _without_etcd_ca(original)
        mode = Mode.NO_REBOOT if refused else Mode.REBOOT
        rpc(address, tls, MachineService.ApplyConfiguration, Mode(data=stripped.encode(), mode=mode))
        wait_until(lambda: not _etcd_ca(_config(fleet)), timeout=30)
        wait_until(lambda: 'stage: booting' in resource_yaml(address, tls, STATUS, 'machine'), timeout=30)
        if refused:
            with pytest.raises(GRPCError) as info:
                rpc(address, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())
            assert (info.value.status, info.value.message) == (
                Status.INVALID_ARGUMENT, 'etcd is not configured, bootstrap is not possible')
            # The other side: with the CA back (applied live on 1.14), Bootstrap goes ahead.
            rpc(address, tls, MachineService.ApplyConfiguration, Mode(data=original.encode(), mode=Mode.NO_REBOOT))
        assert rpc(address, tls, MachineService.Bootstrap, machine_pb2.BootstrapRequest())[0].messages


def _statuses(seen) -> list:
    out = []
    for event in seen:
        kind, payload = decode(event)
        if kind == 'machine.MachineStatusEvent':
            out.append((payload.stage, payload.status.ready,
                        [(item.name, item.reason) for item in payload.status.unmet_conditions], event.actor_id))
    return out


@pytest.fixture(scope='module')
def bootstrapped(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--bootstrap')


def test_machine_status_events_on_readiness_changes(bootstrapped):
    """machine_status.go:MachineStatusController.Run and machine_status_publisher.go:
    MachineStatusPublisherController.Run @ v1.13.9: every change of the MachineStatus resource - readiness
    included, the stage unchanged - is published, without an actor ID."""
    name = 'talos-worker-1'
    address, tls = bootstrapped.address(name), bootstrapped.tls()
    wait_until(lambda: 'ready: true' in resource_yaml(address, tls, STATUS, 'machine'), timeout=30)
    running = machine_pb2.MachineStatusEvent.RUNNING

    def not_ready(seen):
        return any(not ready for _stage, ready, _unmet, _actor in _statuses(seen))

    seen = collect_events(address, tls, action=lambda: bootstrapped.ctl('stop-service', name, 'kubelet'),
                          until=not_ready, timeout=10)
    assert _statuses(seen) == [(running, False, [('services', 'kubelet not running'),
                                                 ('nodeReady', 'node "talos-worker-1" is not ready')], '')]
    seen = collect_events(address, tls, action=lambda: bootstrapped.ctl('start-service', name, 'kubelet'),
                          until=lambda seen: any(ready for _s, ready, _u, _a in _statuses(seen)), timeout=10)
    assert _statuses(seen) == [(running, True, [], '')]
    # An unchanged status is not published again: no two consecutive events of this boot are the same.
    history = _statuses(collect_events(address, tls, machine_pb2.EventsRequest(tail_events=-1), timeout=1.5))
    assert history[-1] == (running, True, [], '')
    assert all(earlier != later for earlier, later in zip(history, history[1:]))
