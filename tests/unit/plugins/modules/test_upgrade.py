# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""upgrade's main(): the LifecycleService and legacy paths, nothing done when current, check mode, failures, and the
drain talosctl runs on the LifecycleService path (against a real Kubernetes API, see kube_cluster)."""

from __future__ import annotations

import yaml

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.modules import upgrade
from ansible_collections.talos.linux.tests.integration.kube_api import budget
from ansible_collections.talos.linux.tests.unit.plugins.modules.kube_cluster import (  # noqa: F401 pylint: disable=unused-import
    NODENAME, kube_cluster, unschedulable)

IMAGE = 'ghcr.io/siderolabs/installer:v1.13.4'


def test_lifecycle_path_pulls_installs_drains_reboots_waits_and_uncordons(run, talos, kube_cluster):
    talos.version = 'v1.13.0'
    cordoned_at_reboot = []
    talos.reply('reboot', lambda node, mode: cordoned_at_reboot.append(unschedulable(kube_cluster)) or
                talos._reboot(node, mode))
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
    assert cordoned_at_reboot == [True], 'drained after the install, before the reboot'
    drained = result['drain']
    assert drained['enabled'] is True and drained['node_name'] == 'worker-1'
    assert drained['evicted'] == ['default/web-1'] and drained['uncordoned'] is True and not drained['cordoned']
    assert not unschedulable(kube_cluster) and 'default/web-1' not in kube_cluster.names('pods')


def test_drain_false_leaves_kubernetes_alone(run, talos):
    talos.version = 'v1.13.0'
    result = run(upgrade, node='10.5.0.5', image=IMAGE, drain=False)
    assert result['changed'] is True and result['drain'] == {'enabled': False}
    assert talos.called('kubeconfig') == [] and [name for name, _args in talos.mutations][-1] == 'reboot'


def test_a_drain_that_cannot_finish_fails_before_the_reboot(run, talos, kube_cluster):
    talos.version = 'v1.13.0'
    kube_cluster.in_loop(lambda: kube_cluster.store.delete('poddisruptionbudgets', 'default', 'web'))
    kube_cluster.create('poddisruptionbudgets', budget('web', {'app': 'web'}, min_available=2))
    result = run(upgrade, node='10.5.0.5', image=IMAGE, drain_timeout=0.5)
    assert result['failed'] and result['changed'] is True, 'installed, not running'
    assert 'could not be drained within 0.5s and stays cordoned' in result['msg']
    assert 'default/web-1 (Cannot evict pod as it would violate the pod\'s disruption budget. The disruption ' \
        'budget web needs 2 healthy pods and has 2 currently)' in result['msg']
    assert [name for name, _args in talos.mutations] == ['image_pull', 'lifecycle_upgrade']
    assert result['drain']['cordoned'] is True and unschedulable(kube_cluster)


def test_legacy_api_sends_the_options(run, talos):
    talos.version = 'v1.12.5'
    result = run(upgrade, node='10.5.0.2', image=IMAGE, stage=True, preserve=True, reboot_mode='powercycle', wait=False)
    assert result['api'] == 'legacy' and result['msg'] == 'upgrade to Talos v1.13.4 started'
    assert result['drain'] == {'enabled': False} and talos.called('kubeconfig') == [], 'Talos drains it itself'
    assert talos.mutations == [('upgrade_legacy', {'image': IMAGE, 'node': '10.5.0.2', 'stage': True, 'preserve': True,
                                                   'force': False, 'reboot_mode': 'POWERCYCLE'})]


def test_node_on_the_target_is_left_alone(run, talos):
    talos.version = 'v1.13.4'
    result = run(upgrade, node='10.5.0.2', version='1.13.4')
    assert result['changed'] is False and result['msg'] == 'the node already runs Talos v1.13.4'
    assert talos.mutations == [] and result['drain'] == {'enabled': False}


def test_check_mode_names_the_plan_and_changes_nothing(run, talos, kube_cluster):
    talos.version = 'v1.13.0'
    result = run(upgrade, node='10.5.0.2', check=True, image=IMAGE)
    assert result['changed'] is True and result['api'] == 'lifecycle'
    assert result['msg'] == 'would upgrade Talos v1.13.0 to v1.13.4 with %s (lifecycle API)' % IMAGE
    assert talos.mutations == []
    assert result['drain']['enabled'] is True and result['drain']['evicted'] == ['default/web-1']
    assert not unschedulable(kube_cluster) and 'default/web-1' in kube_cluster.names('pods')


def test_failing_installer_fails_with_what_was_done(run, talos):
    talos.version = 'v1.13.0'
    talos.reply('lifecycle_upgrade', [{'message': 'error: disk full'}, {'exit_code': 1}])
    result = run(upgrade, node='10.5.0.5', image=IMAGE, drain=False)
    assert result['failed'] and result['node'] == '10.5.0.5' and result['changed'] is True
    assert 'the installer exited with code 1' in result['msg'] and 'disk full' in result['msg']
    assert result['installer_output'] == ['error: disk full']
    assert 'reboot' not in [name for name, _args in talos.mutations]


def test_kubernetes_out_of_reach_fails_the_default_drain_before_anything_changes(run, talos, tmp_path):
    """No API server behind the kubeconfig: the upgrade stops before the pull, saying drain: false would go on."""
    talos.version = 'v1.13.0'
    talos.resources[NODENAME] = {'nodename': 'worker-1', 'hostnameVersion': '1', 'skipNodeRegistration': False}
    kubeconfig = tmp_path / 'kubeconfig'
    kubeconfig.write_text(yaml.safe_dump({
        'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'c',
        'clusters': [{'name': 'c', 'cluster': {'server': 'https://127.0.0.1:9', 'insecure-skip-tls-verify': True}}],
        'users': [{'name': 'u', 'user': {'token': 'x'}}],
        'contexts': [{'name': 'c', 'context': {'cluster': 'c', 'user': 'u'}}]}))
    result = run(upgrade, node='10.5.0.5', image=IMAGE, kubeconfig=str(kubeconfig))
    assert result['failed'] and result['changed'] is False and result['drain']['enabled'] is True
    assert 'cannot reach the Kubernetes API at https://127.0.0.1:9' in result['msg']
    assert 'nothing was changed; drain: false would upgrade without draining' in result['msg']
    assert talos.mutations == []


def test_a_node_without_nodename_fails_the_default_drain_before_anything_changes(run, talos):
    talos.version = 'v1.13.0'
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert result['failed'] and result['changed'] is False
    assert 'no Nodename resource' in result['msg'] and 'drain: false would upgrade without draining' in result['msg']
    assert talos.mutations == []


def test_refused_reboot_keeps_its_code_and_the_node_cordoned(run, talos, kube_cluster):
    talos.version = 'v1.13.0'
    talos.reply('reboot', TalosError('not authorized', code='PERMISSION_DENIED'))
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.5'
    assert result['drain']['cordoned'] is True and result['drain']['evicted'] == ['default/web-1']
    assert unschedulable(kube_cluster)


def test_node_cordoned_before_the_upgrade_stays_cordoned(run, talos, kube_cluster):
    talos.version = 'v1.13.0'
    kube_cluster.in_loop(lambda: kube_cluster.store.patch('nodes', None, 'worker-1', {'spec': {'unschedulable': True}},
                                                          'application/merge-patch+json'))
    result = run(upgrade, node='10.5.0.5', image=IMAGE)
    assert result['changed'] is True and result['drain']['already_cordoned'] is True
    assert result['drain']['uncordoned'] is False and unschedulable(kube_cluster)
    assert result['drain']['note'] == 'left cordoned: it was cordoned before this task, not by this collection'


def test_image_or_version_is_required(run, talos):
    result = run(upgrade)
    assert result['failed'] and 'image, version' in result['msg']
    assert talos.calls == []


def test_bad_version_is_named(run, talos):
    result = run(upgrade, node='10.5.0.2', version='latest')
    assert result['failed'] and "version 'latest' is not a Talos version tag" in result['msg']
    assert talos.mutations == []


def test_image_and_version_disagreeing_is_named(run, talos):
    result = run(upgrade, node='10.5.0.2', image=IMAGE, version='v1.14.0')
    assert result['failed'] and 'image %s is Talos v1.13.4, but version is v1.14.0' % IMAGE in result['msg']
    assert talos.mutations == []


def test_bad_api_is_named(run, talos):
    result = run(upgrade, node='10.5.0.2', version='v1.14.0', api='grpc')
    assert result['failed'] and 'api' in result['msg'] and 'grpc' in result['msg']
