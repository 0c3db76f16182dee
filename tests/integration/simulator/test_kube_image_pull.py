# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim pulls Kubernetes component images as upgrade-k8s pre-pulls them, over mTLS gRPC: into the containerd
instance the request names (refused as Talos's ctrhelper refuses), listed there only, "not found" for tags no
Kubernetes release has."""

from __future__ import annotations

import pytest
from grpclib.const import Status

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import grpc_error

NODE = 'talos-cp-1'
STATUS = image_pb2.ImageServicePullLayerProgress.Status


def instance(driver: str, namespace: str):
    return common_pb2.ContainerdInstance(driver=common_pb2.ContainerDriver.Value(driver),
                                         namespace=common_pb2.ContainerdNamespace.Value(namespace))


CRI = instance('CRI', 'NS_CRI')
SYSTEM = instance('CRI', 'NS_SYSTEM')


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '0')


def pull(fleet, reference: str, containerd=None) -> list:
    request = image_pb2.ImageServicePullRequest(containerd=containerd, image_ref=reference)
    return rpc(fleet.address(NODE), fleet.tls(), ImageService.Pull, request)


def pull_error(fleet, reference: str, containerd=None):
    request = image_pb2.ImageServicePullRequest(containerd=containerd, image_ref=reference)
    return grpc_error(fleet.address(NODE), fleet.tls(), ImageService.Pull, request)


def listed(fleet, containerd) -> dict[str, str]:
    replies = rpc(fleet.address(NODE), fleet.tls(), ImageService.List,
                  image_pb2.ImageServiceListRequest(containerd=containerd))
    return {reply.name: reply.digest for reply in replies}


def test_control_plane_and_kubelet_images_land_in_the_namespace_asked_for(fleet):
    apiserver = 'registry.k8s.io/kube-apiserver:v1.34.2'
    replies = pull(fleet, apiserver, CRI)
    pinned = replies[-1].name
    assert pinned.startswith('registry.k8s.io/kube-apiserver@sha256:') and len(pinned.split(':')[-1]) == 64
    progress = [reply.pull_progress.progress.status for reply in replies[:-1]]
    assert progress and STATUS.Name(progress[-1]) == 'EXTRACT_COMPLETE'
    assert STATUS.Name(progress[0]) == 'DOWNLOADING'
    assert listed(fleet, CRI)[apiserver] == pinned.split('@', 1)[1]
    assert apiserver not in listed(fleet, SYSTEM)

    again = pull(fleet, apiserver, CRI)
    assert again[-1].name == pinned
    assert {STATUS.Name(reply.pull_progress.progress.status) for reply in again[:-1]} == {'ALREADY_EXISTS'}
    assert pull(fleet, pinned, CRI)[-1].name == pinned  # present: known by its pinned name too
    assert pull_error(fleet, pinned, SYSTEM).status == Status.NOT_FOUND  # that instance never pulled it

    kubelet = 'ghcr.io/siderolabs/kubelet:v1.34.2-fat'
    assert pull(fleet, kubelet, SYSTEM)[-1].name.startswith('ghcr.io/siderolabs/kubelet@sha256:')
    assert kubelet in listed(fleet, SYSTEM) and kubelet not in listed(fleet, CRI)
    for reference in ('registry.k8s.io/kube-controller-manager:v1.36.3', 'registry.k8s.io/kube-scheduler:v1.30.0',
                      'registry.k8s.io/kube-proxy:v1.37.0-rc.0', 'ghcr.io/siderolabs/kubelet:v1.33.1-slim'):
        pull(fleet, reference, CRI)
    assert list(listed(fleet, CRI))[-4:] == [
        'registry.k8s.io/kube-controller-manager:v1.36.3', 'registry.k8s.io/kube-scheduler:v1.30.0',
        'registry.k8s.io/kube-proxy:v1.37.0-rc.0', 'ghcr.io/siderolabs/kubelet:v1.33.1-slim']


@pytest.mark.parametrize('reference', [
    'registry.k8s.io/kube-apiserver:v1.34.99',  # no such patch release
    'registry.k8s.io/kube-apiserver:v1.99.0',  # no such minor
    'registry.k8s.io/kube-scheduler:1.34.2',  # Kubernetes tags carry the v
    'registry.k8s.io/kube-proxy:latest',
    'registry.k8s.io/kube-proxy:v1.37.0-rc.9',
    'ghcr.io/siderolabs/kubelet:v1.34.2-huge',  # no such flavor
    'registry.k8s.io/kube-apiserver-nope:v1.34.2',  # a repository no registry of the sim has
])
def test_tags_no_kubernetes_release_has_are_not_found(fleet, reference):
    err = pull_error(fleet, reference, CRI)
    assert (err.status, err.message) == (
        Status.NOT_FOUND, 'error pulling image: failed to pull image "%s": failed to resolve reference "%s": %s: '
                          'not found' % (reference, reference, reference))


def test_the_containerd_instance_is_checked_as_talos_checks_it(fleet):
    reference = 'registry.k8s.io/kube-scheduler:v1.34.2'
    for containerd, message in ((None, 'invalid containerd namespace NS_UNKNOWN'),
                                (instance('CRI', 'NS_UNKNOWN'), 'invalid containerd namespace NS_UNKNOWN'),
                                (instance('CONTAINERD', 'NS_CRI'), 'cannot use CRI namespace with containerd driver')):
        err = pull_error(fleet, reference, containerd)
        assert (err.status, err.message) == (Status.INVALID_ARGUMENT, message)
    err = grpc_error(fleet.address(NODE), fleet.tls(), ImageService.List,
                     image_pb2.ImageServiceListRequest(containerd=instance('CONTAINERD', 'NS_CRI')))
    assert (err.status, err.message) == (Status.INVALID_ARGUMENT, 'cannot use CRI namespace with containerd driver')

    inmem = instance('CONTAINERD', 'NS_SYSTEM')  # the system containerd: another daemon than the CRI one
    pull(fleet, reference, inmem)
    assert reference in listed(fleet, inmem)
    assert reference not in listed(fleet, SYSTEM) and reference not in listed(fleet, CRI)


def test_legacy_image_pull_takes_the_namespace_on_the_cri_daemon(fleet):
    address, tls = fleet.address(NODE), fleet.tls()
    reference = 'registry.k8s.io/kube-proxy:v1.33.7'
    namespace = common_pb2.ContainerdNamespace.Value
    rpc(address, tls, MachineService.ImagePull,
        machine_pb2.ImagePullRequest(namespace=namespace('NS_SYSTEM'), reference=reference))
    assert reference in listed(fleet, SYSTEM) and reference not in listed(fleet, CRI)

    err = grpc_error(address, tls, MachineService.ImagePull, machine_pb2.ImagePullRequest(reference=reference))
    assert (err.status, err.message) == (Status.INVALID_ARGUMENT, 'invalid namespace NS_UNKNOWN')
    missing = 'registry.k8s.io/kube-proxy:v1.33.70'
    err = grpc_error(address, tls, MachineService.ImagePull,
                     machine_pb2.ImagePullRequest(namespace=namespace('NS_CRI'), reference=missing))
    assert err.status == Status.NOT_FOUND and 'failed to resolve reference "%s"' % missing in err.message
