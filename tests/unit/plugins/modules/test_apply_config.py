# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_config's main() on a configured node: apply only on a difference, modes, check mode (dry run), diff,
options and errors. (Maintenance mode probes the node's TLS below the client seam: covered by integration.)"""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.configgen import generate, secrets
from ansible_collections.talos.linux.plugins.modules import apply_config


@pytest.fixture(scope='module')
def configs() -> tuple[str, str]:
    """(running, desired): one worker's config before and after a Kubernetes version change."""
    bundle = secrets.generate('v1.13')
    running, desired = (generate.generate(bundle, 'unit', 'https://10.5.0.2:6443', 'worker', version,
                                          talos_version='v1.13').encode() for version in ('1.33.0', '1.33.1'))
    return running, desired


@pytest.fixture
def fleet(talos, configs):
    talos.configs.update(v1alpha1=configs[0], persistent=configs[0])
    return talos


def _apply(data, mode, node='10.5.0.5'):
    return ('apply_configuration', {'data': data.encode(), 'mode': mode, 'node': node, 'dry_run': False,
                                    'try_timeout': None})


def test_applies_a_difference_and_waits_until_running(run, fleet, configs):
    result = run(apply_config, node='10.5.0.5', config=configs[1])
    assert fleet.mutations == [_apply(configs[1], 'AUTO')]
    assert result == dict(result, changed=True, node='10.5.0.5', maintenance=False, talos_version='v1.14.0',
                          mode='no_reboot', rebooted=False, mode_details='Applied configuration')
    assert 'diff' not in result and fleet.configs['v1alpha1'] == configs[1]
    assert [call['resource_id'] for call in fleet.called('machine_config')][-1] == 'v1alpha1'


def test_same_config_changes_nothing(run, fleet, configs):
    result = run(apply_config, config=configs[0], diff=True)
    assert result['changed'] is False and result['node'] == '10.5.0.2'
    assert result['diff']['before'] == result['diff']['after']
    assert fleet.mutations == []


def test_check_mode_asks_for_a_dry_run_only(run, fleet, configs):
    result = run(apply_config, check=True, diff=True, node='10.5.0.5', config=configs[1])
    assert result['changed'] is True and fleet.mutations == []
    assert [call['dry_run'] for call in fleet.called('apply_configuration')] == [True]
    assert "kubelet:v1.33.0" in result['diff']['before'] and "kubelet:v1.33.1" in result['diff']['after']


def test_check_mode_skips_the_dry_run_while_a_try_is_pending(run, fleet, configs):
    fleet.configs['persistent'] = configs[1]
    result = run(apply_config, check=True, config=configs[1])
    assert result['changed'] is True and fleet.called('apply_configuration') == []


def test_reboot_mode_on_1_13_reboots_and_waits(run, fleet, configs):
    fleet.version = 'v1.13.2'
    result = run(apply_config, node='10.5.0.5', config=configs[1], mode='reboot')
    assert fleet.mutations == [_apply(configs[1], 'REBOOT')]
    assert result['rebooted'] is True and (result['boot_id_before'], result['boot_id']) == ('boot-1', 'boot-2')


def test_reboot_mode_on_1_14_is_refused_before_applying(run, fleet, configs):
    result = run(apply_config, node='10.5.0.5', config=configs[1], mode='reboot')
    assert result['failed'] and result['grpc_code'] == 'INVALID_ARGUMENT' and result['node'] == '10.5.0.5'
    assert 'use mode auto or no_reboot' in result['msg'] and fleet.mutations == []


def test_without_os_admin_fails_before_reading(run, fleet, configs):
    fleet.roles = ['os:operator']
    result = run(apply_config, node='10.5.0.5', config=configs[1])
    assert result['failed'] and result['grpc_code'] == 'PERMISSION_DENIED' and result['node'] == '10.5.0.5'
    assert 'needs the os:admin role' in result['msg'] and 'os:operator' in result['msg']
    assert fleet.calls == []


def test_src_and_patches(run, fleet, configs, tmp_path):
    src = tmp_path / 'worker.yaml'
    src.write_text(configs[0])
    patch = {'machine': {'kubelet': {'image': 'ghcr.io/siderolabs/kubelet:v1.33.1'}}}
    result = run(apply_config, src=str(src), patches=[patch], check=True)
    assert result['changed'] is True and fleet.mutations == []


@pytest.mark.parametrize('args, message', [
    ({'config': 'machine: {}', 'src': '/x'}, 'mutually exclusive: config|src'),
    ({}, 'one of the following is required: config, src'),
    ({'config': 'machine: {}', 'mode': 'soft'}, 'soft'),
    ({'config': 'machine: [', 'node': '10.5.0.5'}, 'YAML'),
])
def test_bad_arguments_are_named(run, fleet, args, message):
    result = run(apply_config, **args)
    assert result['failed'] and message in result['msg']
    assert fleet.calls == []
