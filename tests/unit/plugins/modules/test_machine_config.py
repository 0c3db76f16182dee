# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""machine_config's main() (no Talos connection): render, write dest only on change, check mode, diff, errors."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets
from ansible_collections.talos.linux.plugins.modules import machine_config


@pytest.fixture(scope='module')
def bundle() -> dict:
    return secrets.generate('v1.14')


@pytest.fixture
def base(bundle, tmp_path):
    path = tmp_path / 'secrets.yaml'
    path.write_text(secrets.dumps(bundle))
    return {'talosconfig': None, 'secrets': str(path), 'cluster_name': 'unit', 'machine_type': 'worker',
            'cluster_endpoint': 'https://10.5.0.2:6443', 'kubernetes_version': '1.33.1', 'talos_version': 'v1.14'}


def test_returns_the_config_without_dest(run, base):
    result = run(machine_config, **base)
    assert result['changed'] is False and 'dest' not in result
    assert next(yaml.safe_load_all(result['config']))['machine']['type'] == 'worker'
    assert 'https://10.5.0.2:6443' in result['config']


def test_secrets_as_a_mapping_and_a_patch(run, base, bundle):
    args = dict(base, secrets=bundle, patches=[{'machine': {'install': {'disk': '/dev/vdb'}}}])
    result = run(machine_config, **args)
    assert next(yaml.safe_load_all(result['config']))['machine']['install']['disk'] == '/dev/vdb'


def test_writes_dest_once(run, base, tmp_path):
    dest = tmp_path / 'worker.yaml'
    result = run(machine_config, diff=True, dest=str(dest), **base)
    assert result['changed'] is True and result['dest'] == str(dest) and 'config' not in result
    assert result['diff']['before'] == '' and 'https://10.5.0.2:6443' in result['diff']['after']
    assert dest.exists()
    again = run(machine_config, dest=str(dest), return_content=True, **base)
    assert again['changed'] is False and again['config'] == dest.read_text()


def test_check_mode_writes_nothing(run, base, tmp_path):
    dest = tmp_path / 'worker.yaml'
    result = run(machine_config, check=True, dest=str(dest), **base)
    assert result['changed'] is True and not dest.exists()


def test_secret_values_are_redacted_in_the_diff(run, base, tmp_path, bundle):
    result = run(machine_config, diff=True, dest=str(tmp_path / 'worker.yaml'), **base)
    assert bundle['trustdinfo']['token'] not in result['diff']['after']


@pytest.mark.parametrize('change, message', [
    ({'machine_type': 'init'}, 'machine_type'),
    ({'secrets': '/nonexistent/secrets.yaml'}, 'secrets (/nonexistent/secrets.yaml): file not found'),
    ({'cluster_name': None}, 'cluster_name'),
])
def test_bad_arguments_are_named(run, base, change, message):
    result = run(machine_config, **dict(base, **change))
    assert result['failed'] and message in result['msg']
