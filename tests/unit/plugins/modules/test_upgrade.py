# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""upgrade's main(): the LifecycleService and legacy paths, nothing done when current, check mode, failures."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import upgrade

IMAGE = 'ghcr.io/siderolabs/installer:v1.13.4'


def test_lifecycle_path_pulls_installs_reboots_and_waits(run, talos):
    talos.version = 'v1.13.0'
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert [name for name, _args in talos.mutations] == ['image_pull', 'lifecycle_upgrade', 'reboot']
    assert talos.mutations[0][1]['reference'] == IMAGE and talos.mutations[1][1]['image'] == IMAGE
    assert talos.mutations[2][1] == {'node': '10.5.0.5', 'mode': 'DEFAULT'}
    assert result['changed'] is True and result['api'] == 'lifecycle' and result['node'] == '10.5.0.5'
    assert (result['old_version'], result['new_version'], result['target_version']) == ('v1.13.0', 'v1.13.4',
                                                                                        'v1.13.4')
    assert (result['boot_id_before'], result['boot_id']) == ('boot-1', 'boot-2')
    assert result['installer_output'] == ['installing %s' % IMAGE]
    assert result['msg'] == 'upgraded Talos v1.13.0 to v1.13.4'


def test_legacy_api_sends_the_options(run, talos):
    talos.version = 'v1.12.5'
    result = run(upgrade, image=IMAGE, stage=True, preserve=True, reboot_mode='powercycle', wait=False)
    assert result['api'] == 'legacy' and result['msg'] == 'upgrade to Talos v1.13.4 started'
    assert talos.mutations == [('upgrade_legacy', {'image': IMAGE, 'node': None, 'stage': True, 'preserve': True,
                                                   'force': False, 'reboot_mode': 'POWERCYCLE'})]


def test_node_on_the_target_is_left_alone(run, talos):
    talos.version = 'v1.13.4'
    result = run(upgrade, version='1.13.4')
    assert result['changed'] is False and result['msg'] == 'the node already runs Talos v1.13.4'
    assert talos.mutations == []


def test_check_mode_names_the_plan_and_changes_nothing(run, talos):
    talos.version = 'v1.13.0'
    result = run(upgrade, check=True, image=IMAGE)
    assert result['changed'] is True and result['api'] == 'lifecycle'
    assert result['msg'] == 'would upgrade Talos v1.13.0 to v1.13.4 with %s (lifecycle API)' % IMAGE
    assert talos.mutations == []


def test_failing_installer_fails_with_what_was_done(run, talos):
    talos.version = 'v1.13.0'
    talos.reply('lifecycle_upgrade', [{'message': 'error: disk full'}, {'exit_code': 1}])
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert result['failed'] and result['node'] == '10.5.0.5' and result['changed'] is True
    assert 'the installer exited with code 1' in result['msg'] and 'disk full' in result['msg']
    assert result['installer_output'] == ['error: disk full']
    assert 'reboot' not in [name for name, _args in talos.mutations]


def test_refused_reboot_keeps_its_code(run, talos):
    talos.version = 'v1.13.0'
    talos.reply('reboot', TalosError('not authorized', code='PERMISSION_DENIED'))
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.5'


def test_image_or_version_is_required(run, talos):
    result = run(upgrade)
    assert result['failed'] and 'image, version' in result['msg']
    assert talos.calls == []


def test_bad_version_is_named(run, talos):
    result = run(upgrade, version='latest')
    assert result['failed'] and "version 'latest' is not a Talos version tag" in result['msg']
    assert talos.mutations == []


def test_image_and_version_disagreeing_is_named(run, talos):
    result = run(upgrade, image=IMAGE, version='v1.14.0')
    assert result['failed'] and 'image %s is Talos v1.13.4, but version is v1.14.0' % IMAGE in result['msg']
    assert talos.mutations == []


def test_bad_api_is_named(run, talos):
    result = run(upgrade, version='v1.14.0', api='grpc')
    assert result['failed'] and 'api' in result['msg'] and 'grpc' in result['msg']
