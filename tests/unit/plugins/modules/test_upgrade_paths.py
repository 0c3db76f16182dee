# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""upgrade's main() on the Talos 1.14/1.15 questions: which installer a node gets, which jumps and Kubernetes
versions are refused before anything changes, reboot: false, and pre-pulls."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import upgrade

SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515'
DEFAULT = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'
SECURITY = ('runtime', 'SecurityStates.talos.dev', 'securitystate')
FACTORY_SCHEMATIC = ('runtime', 'ImageFactorySchematics.runtime.talos.dev', 'image-factory-schematic')
EXTENSION = ('runtime', 'ExtensionStatuses.runtime.talos.dev', '0')
KUBELET = ('k8s', 'KubeletSpecs.kubernetes.talos.dev', 'kubelet')


@pytest.fixture
def warned(monkeypatch):
    """The warnings modules give (how Ansible shows them depends on what else the process loaded)."""
    seen = []

    def warn(module, warning):
        seen.append(warning)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', warn)
    return seen


def on_platform(talos, name):
    plain = talos._version

    def version(node):
        return dict(plain(node), platform={'name': name, 'mode': 'cloud'})
    talos.reply('version', version)


def test_1_14_node_gets_its_factory_schematic_platform_and_secureboot_flavour(run, talos):
    talos.version = 'v1.14.0'
    on_platform(talos, 'AWS')
    talos.resources[SECURITY] = {'secureBoot': True}
    talos.resources[EXTENSION] = {'metadata': {'name': 'schematic', 'version': SCHEMATIC}}
    talos.resources[FACTORY_SCHEMATIC] = {'schematicId': SCHEMATIC, 'flavor': 'Image Factory',
                                          'apiUrl': 'https://127.0.0.9:8443'}
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.15.0', drain=False)
    image = '127.0.0.9:8443/aws-installer-secureboot/%s:v1.15.0' % SCHEMATIC
    assert result['image'] == image and result['changed'] is True and talos.mutations == []
    assert (result['platform'], result['secureboot'], result['factory']) == ('aws', True, '127.0.0.9:8443')
    assert result['msg'] == 'would upgrade Talos v1.14.0 to v1.15.0 with %s (lifecycle API)' % image
    assert result['path'] == ['v1.14.0', 'v1.15.0'] and result['staged'] is False


def test_an_empty_factory_url_means_the_default_factory(run, talos):
    talos.resources[FACTORY_SCHEMATIC] = {'schematicId': SCHEMATIC, 'flavor': 'Just A Name', 'apiUrl': ''}
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.14.3', drain=False)
    assert result['image'] == 'factory.talos.dev/metal-installer/%s:v1.14.3' % SCHEMATIC
    assert result['factory'] == 'factory.talos.dev'


def test_below_1_14_the_schematic_extension_names_the_schematic(run, talos):
    talos.version = 'v1.13.4'
    talos.resources[EXTENSION] = {'metadata': {'name': 'schematic', 'version': SCHEMATIC}}
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.14.1', drain=False)
    assert result['image'] == 'factory.talos.dev/metal-installer/%s:v1.14.1' % SCHEMATIC
    assert result['old_schematic'] == SCHEMATIC


def test_plain_node_never_gets_ghcr_from_1_14_on_nor_with_secureboot(run, talos):
    talos.version = 'v1.13.4'
    assert run(upgrade, node='10.5.0.2', check=True, version='v1.14.1', drain=False)['image'] == \
        'factory.talos.dev/metal-installer/%s:v1.14.1' % DEFAULT
    talos.version = 'v1.12.6'
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.13.9')
    assert result['image'] == 'ghcr.io/siderolabs/installer:v1.13.9'
    talos.resources[SECURITY] = {'secureBoot': True}
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.13.9')
    assert result['image'] == 'factory.talos.dev/metal-installer-secureboot/%s:v1.13.9' % DEFAULT
    assert result['secureboot'] is True and result['factory'] == 'factory.talos.dev'


def test_explicit_image_wins(run, talos):
    talos.resources[SECURITY] = {'secureBoot': True}
    result = run(upgrade, node='10.5.0.2', check=True, image='registry.example/custom-installer:v1.14.2', drain=False)
    assert result['image'] == 'registry.example/custom-installer:v1.14.2' and result['factory'] is None


def test_a_jump_the_installer_refuses_fails_before_anything_changes(run, talos):
    talos.version = 'v1.12.6'
    for check in (True, False):
        result = run(upgrade, check=check, node='10.5.0.5', version='v1.15.0', force=True)
        assert result['failed'] and result['changed'] is False and talos.mutations == []
        assert result['msg'] == (
            'node 10.5.0.5: the installer of Talos v1.15.0 would refuse to run on Talos v1.12.6: Talos v1.15.0 '
            'upgrades only from v1.13.0 or newer; upgrade through v1.12.6 -> newest v1.13.x -> v1.15.0, one '
            'upgrade per hop (nothing was changed)')
        assert result['path'] == ['v1.12.6', 'newest v1.13.x', 'v1.15.0']
        assert result['image'] == 'factory.talos.dev/metal-installer/%s:v1.15.0' % DEFAULT


def test_kubernetes_outside_the_targets_range_is_refused_unless_forced(run, talos, warned):
    talos.version = 'v1.14.0'
    talos.resources[KUBELET] = {'image': 'ghcr.io/siderolabs/kubelet:v1.32.3'}
    result = run(upgrade, node='10.5.0.5', version='v1.15.0', drain=False)
    assert result['failed'] and result['changed'] is False and talos.mutations == []
    assert result['msg'] == (
        'node 10.5.0.5: the node runs Kubernetes v1.32.3, too old for Talos v1.15.0: Talos v1.15.0 supports '
        'Kubernetes v1.33.0 up to (not including) v1.38.99 (Talos v1.14.0 supports Kubernetes v1.32.0 up to (not '
        'including) v1.37.99): upgrade Kubernetes first (force skips this check; nothing was changed)')
    result = run(upgrade, node='10.5.0.5', version='v1.15.0', drain=False, force=True)
    assert result['changed'] is True and result['new_version'] == 'v1.15.0'
    assert len(warned) == 1 and warned[0].endswith('upgrading anyway (force): the installer does not check '
                                                   'Kubernetes')


def test_reboot_false_installs_and_leaves_the_node_on_its_release(run, talos):
    talos.version = 'v1.14.0'
    result = run(upgrade, node='10.5.0.5', version='v1.14.3', reboot=False)
    assert [name for name, _args in talos.mutations] == ['image_pull', 'lifecycle_upgrade']
    assert result['changed'] is True and result['staged'] is True and result['drain'] == {'enabled': False}
    assert result['new_version'] == 'v1.14.0' and talos.version == 'v1.14.0'
    assert result['msg'] == 'installed Talos v1.14.3; the node runs Talos v1.14.0 until it is rebooted'
    assert talos.called('kubeconfig') == [], 'no drain: nothing goes down'


def test_reboot_false_is_refused_on_the_legacy_path_and_with_drain(run, talos):
    talos.version = 'v1.12.6'
    result = run(upgrade, node='10.5.0.2', version='v1.13.9', reboot=False)
    assert result['failed'] and 'reboot: false needs the LifecycleService path' in result['msg']
    talos.version = 'v1.14.0'
    result = run(upgrade, node='10.5.0.2', version='v1.14.3', reboot=False, drain=True)
    assert result['failed'] and 'drain: true drains before the reboot, and reboot: false has none' in result['msg']
    assert talos.mutations == []


def test_prepull_pulls_each_nodes_installer_after_the_install(run, talos, warned):
    talos.version = 'v1.14.0'
    talos.resources[FACTORY_SCHEMATIC] = {'schematicId': SCHEMATIC, 'flavor': 'Image Factory', 'apiUrl': ''}

    def pull(reference, node, namespace, timeout):
        if node == '10.5.0.7':
            raise TalosError('pull access denied', code='UNKNOWN', node=node)
        return [{'name': reference + ('@sha256:' + 'a' * 64 if node != '10.5.0.5' else '')}]
    talos.reply('image_pull', pull)
    result = run(upgrade, node='10.5.0.5', version='v1.14.3', drain=False, prepull=['10.5.0.6', '10.5.0.7'])
    image = 'factory.talos.dev/metal-installer/%s:v1.14.3' % SCHEMATIC
    assert [(name, args['node']) for name, args in talos.mutations] == [
        ('image_pull', '10.5.0.5'), ('lifecycle_upgrade', '10.5.0.5'), ('image_pull', '10.5.0.6'),
        ('image_pull', '10.5.0.7'), ('reboot', '10.5.0.5')]
    assert result['changed'] is True and result['new_version'] == 'v1.14.3'
    assert result['prepulled'] == {'10.5.0.6': image + '@sha256:' + 'a' * 64,
                                   '10.5.0.7': 'failed: pull access denied'}
    assert warned == ['pre-pull on 10.5.0.7 failed: pull access denied']


def test_prepull_in_check_mode_names_the_images_only(run, talos):
    result = run(upgrade, node='10.5.0.2', check=True, version='v1.14.3', drain=False, prepull=['10.5.0.6'])
    assert result['prepulled'] == {'10.5.0.6': 'factory.talos.dev/metal-installer/%s:v1.14.3' % DEFAULT}
    assert talos.mutations == []
