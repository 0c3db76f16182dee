# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.upgrade on the Talos 1.14/1.15 questions, through the real ansible-playbook against talos-sim:
installers from what each node runs (schematic, SecureBoot, platform), a refused 1.12 -> 1.15 jump, reboot: false,
and pre-pulls. What the nodes run afterwards is read back with talos-sim's own raw client."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc
from ansible_collections.talos.linux.tests.integration.simulator.test_apply_sim import _config
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import resource_yaml, version

DEFAULT = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'
SCHEMATIC_YAML = '''customization:
  systemExtensions:
    officialExtensions:
      - siderolabs/iscsi-tools
      - siderolabs/util-linux-tools
'''


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    """Talos v1.14.0: worker-1 installed from a schematic with two extensions, worker-2 SecureBoot, worker-3 on
    AWS, workers 4 and 5 plain."""
    schematic = tmp_path_factory.mktemp('schematic') / 'schematic.yaml'
    schematic.write_text(SCHEMATIC_YAML)
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '5', '--reboot-delay', '0.5',
                              '--schematic', 'talos-worker-1=%s' % schematic, '--secureboot', 'talos-worker-2',
                              '--platform', 'talos-worker-3=aws')


@pytest.fixture(scope='module')
def fleet112(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1', '--reboot-delay', '0.5',
                              '--talos-version', 'v1.12.6')


def steps(fleet, tmp_path, **plan) -> dict:
    out = tmp_path / 'steps.json'
    talosconfig = '%s/talosconfig' % fleet.state_dir
    run = ansible_playbook('upgrade_steps.yml', dict(plan, talosconfig=talosconfig, out=str(out)))
    assert_ok(run)
    return dict(json.loads(out.read_text()), output=run.output)


def extensions(fleet, name) -> str:
    request = state_pb2.ListRequest(namespace='runtime', type='ExtensionStatuses.runtime.talos.dev')
    return ''.join(reply.resource.spec.yaml_spec for reply in rpc(fleet.address(name), fleet.tls(), State.List,
                                                                  request))


def images(fleet, name) -> list[str]:
    containerd = common_pb2.ContainerdInstance(driver=common_pb2.ContainerDriver.Value('CRI'),
                                               namespace=common_pb2.ContainerdNamespace.Value('NS_SYSTEM'))
    replies = rpc(fleet.address(name), fleet.tls(), ImageService.List,
                  image_pb2.ImageServiceListRequest(containerd=containerd))
    return [reply.name for reply in replies]


def test_a_node_keeps_its_schematic_and_extensions_across_an_upgrade(fleet, tmp_path):
    node = fleet.address('talos-worker-1')
    schematic = fleet.post_schematic(SCHEMATIC_YAML)  # the same schematic: the factory answers its ID
    assert 'iscsi-tools' in extensions(fleet, 'talos-worker-1')
    results = steps(fleet, tmp_path, upgrades=[{'node': node, 'version': 'v1.15.0', 'check': True},
                                               {'node': node, 'version': 'v1.15.0'},
                                               {'node': node, 'version': 'v1.15.0'}])['upgrades']
    registry = fleet.factory_url.split('://', 1)[1].rstrip('/')
    image = '%s/metal-installer/%s:v1.15.0' % (registry, schematic)
    predicted, upgraded, again = results
    assert predicted['changed'] and predicted['image'] == image and predicted['factory'] == registry
    assert upgraded['changed'] and upgraded['image'] == image and upgraded['new_version'] == 'v1.15.0'
    assert upgraded['old_schematic'] == upgraded['new_schematic'] == schematic
    assert not again['changed'], 'the node runs the target and its schematic'
    assert version(node, fleet.tls()) == 'v1.15.0'
    running = extensions(fleet, 'talos-worker-1')
    assert 'iscsi-tools' in running and 'util-linux-tools' in running and schematic in running


def test_a_secureboot_node_gets_the_secureboot_installer(fleet, tmp_path):
    node = fleet.address('talos-worker-2')
    upgraded, = steps(fleet, tmp_path, upgrades=[{'node': node, 'version': 'v1.15.0'}])['upgrades']
    assert upgraded['secureboot'] is True and upgraded['new_version'] == 'v1.15.0'
    assert '/metal-installer-secureboot/' in upgraded['image'] and upgraded['image'].endswith(':v1.15.0')
    assert 'ghcr.io' not in upgraded['image']
    assert 'secureBoot: true' in resource_yaml(node, fleet.tls(), 'SecurityStates.talos.dev', 'securitystate')


def test_reboot_false_stages_an_aws_installer_until_a_reboot(fleet, tmp_path):
    node = fleet.address('talos-worker-3')
    staged, = steps(fleet, tmp_path, upgrades=[{'node': node, 'version': 'v1.15.0', 'reboot': False}])['upgrades']
    assert staged['image'] == 'factory.talos.dev/aws-installer/%s:v1.15.0' % DEFAULT and staged['platform'] == 'aws'
    assert staged['changed'] and staged['staged'] is True and staged['new_version'] == 'v1.14.0'
    assert 'runs Talos v1.14.0 until it is rebooted' in staged['msg']
    assert version(node, fleet.tls()) == 'v1.14.0', 'installed, not running'
    rebooted, = steps(fleet, tmp_path, reboots=[node])['reboots']
    assert rebooted['changed']
    assert version(node, fleet.tls()) == 'v1.15.0', 'the next boot runs the staged release'


def test_prepull_makes_the_next_nodes_installer_present_before_its_upgrade(fleet, tmp_path):
    first, second = fleet.address('talos-worker-4'), fleet.address('talos-worker-5')
    image = 'factory.talos.dev/metal-installer/%s:v1.15.0' % DEFAULT
    fleet.ctl('pull-delay', 'talos-worker-5', '4')
    assert not any(name.startswith(image) for name in images(fleet, 'talos-worker-5'))
    upgraded, = steps(fleet, tmp_path, upgrades=[{'node': first, 'version': 'v1.15.0',
                                                  'prepull': [second]}])['upgrades']
    assert upgraded['new_version'] == 'v1.15.0' and upgraded['prepulled'][second].startswith(
        'factory.talos.dev/metal-installer/%s@sha256:' % DEFAULT), upgraded['prepulled']
    assert any(name.startswith('factory.talos.dev/metal-installer/%s' % DEFAULT)
               for name in images(fleet, 'talos-worker-5'))
    assert version(second, fleet.tls()) == 'v1.14.0'
    own, = steps(fleet, tmp_path, upgrades=[{'node': second, 'version': 'v1.15.0'}])['upgrades']
    assert own['new_version'] == 'v1.15.0' and own['durations']['pull'] < 4, 'already there: no pull delay'


def test_prepull_failure_is_a_warning(fleet112, tmp_path):
    """A 1.12 node has no ImageService.Pull; the upgrade of the other node goes on (check mode here)."""
    worker, cp = fleet112.address('talos-worker-1'), fleet112.address('talos-cp-1')
    ran = steps(fleet112, tmp_path, upgrades=[{'node': worker, 'version': 'v1.13.9', 'check': True,
                                               'prepull': [cp]}])
    predicted, = ran['upgrades']
    assert predicted['changed'] and not predicted.get('failed')
    assert predicted['prepulled'] == {cp: 'failed: Talos v1.12.6 has no ImageService.Pull (Talos 1.13 and newer)'}
    assert '[WARNING]: pre-pull on %s failed: Talos v1.12.6 has no ImageService.Pull' % cp in ran['output']


def test_a_1_12_node_is_refused_a_direct_1_15_upgrade(fleet112, tmp_path):
    node = fleet112.address('talos-worker-1')
    results = steps(fleet112, tmp_path, upgrades=[{'node': node, 'version': 'v1.15.0', 'check': True},
                                                  {'node': node, 'version': 'v1.15.0', 'force': True}])['upgrades']
    for refused in results:
        assert refused['failed'] and not refused['changed']
        assert refused['msg'] == (
            'node %s: the installer of Talos v1.15.0 would refuse to run on Talos v1.12.6: Talos v1.15.0 upgrades '
            'only from v1.13.0 or newer; upgrade through v1.12.6 -> newest v1.13.x -> v1.15.0, one upgrade per '
            'hop (nothing was changed)' % node)
        assert refused['path'] == ['v1.12.6', 'newest v1.13.x', 'v1.15.0']
        assert 'ghcr.io' not in refused['image']
    assert version(node, fleet112.tls()) == 'v1.12.6'


def _with_kubelet(config: str, image: str) -> str:
    docs = list(yaml.safe_load_all(config))
    for doc in docs:
        if isinstance(doc, dict) and doc.get('version') == 'v1alpha1':
            doc['machine'].setdefault('kubelet', {})['image'] = image
    return yaml.safe_dump_all(docs, sort_keys=False)


def test_a_kubelet_the_target_does_not_support_is_refused_unless_forced(fleet112, tmp_path):
    """Talos 1.13 supports Kubernetes from 1.31: a 1.12 node whose kubelet runs 1.30 is refused the upgrade
    (read from its KubeletSpec), and force goes on with a warning (check mode: nothing changes either way)."""
    name = 'talos-worker-1'
    node, tls = fleet112.address(name), fleet112.tls()
    config = _config(fleet112, machine=name)
    kubelet = 'ghcr.io/siderolabs/kubelet:v1.30.4'
    rpc(node, tls, MachineService.ApplyConfiguration, machine_pb2.ApplyConfigurationRequest(
        data=_with_kubelet(config, kubelet).encode(), mode=machine_pb2.ApplyConfigurationRequest.NO_REBOOT))
    assert 'image: %s' % kubelet in resource_yaml(node, tls, 'KubeletSpecs.kubernetes.talos.dev', 'kubelet', 'k8s')
    ran = steps(fleet112, tmp_path, upgrades=[{'node': node, 'version': 'v1.13.9', 'check': True},
                                              {'node': node, 'version': 'v1.13.9', 'check': True, 'force': True}])
    refused, forced = ran['upgrades']
    assert refused['failed'] and not refused['changed']
    assert refused['msg'] == (
        'node %s: the node runs Kubernetes v1.30.4, too old for Talos v1.13.9: Talos v1.13.9 supports Kubernetes '
        'v1.31.0 up to (not including) v1.36.99 (Talos v1.12.6 supports Kubernetes v1.30.0 up to (not including) '
        'v1.35.99): upgrade Kubernetes first (force skips this check; nothing was changed)' % node)
    assert forced['changed'] and not forced.get('failed')
    assert '[WARNING]: the node runs Kubernetes v1.30.4, too old for Talos v1.13.9' in ran['output']
    assert version(node, tls) == 'v1.12.6'
