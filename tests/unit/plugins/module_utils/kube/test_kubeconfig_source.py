# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubeconfig option: a path or the kubeconfig itself; errors that never quote key material."""

from __future__ import annotations

import json

import pytest

from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError
from ansible_collections.talos.linux.plugins.module_utils.kube.kubeconfig_source import from_option, is_content

CONFIG = {'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'admin@c',
          'clusters': [{'name': 'c', 'cluster': {'server': 'https://10.5.0.2:6443'}}],
          'contexts': [{'name': 'admin@c', 'context': {'cluster': 'c', 'user': 'admin@c'}}],
          'users': [{'name': 'admin@c', 'user': {'client-key-data': 'U0VDUkVULUtFWQ=='}}]}
YAML = '''apiVersion: v1
kind: Config
current-context: admin@c
clusters:
- name: c
  cluster: {server: "https://10.5.0.2:6443"}
contexts:
- name: admin@c
  context: {cluster: c, user: admin@c}
users:
- name: admin@c
  user: {client-key-data: U0VDUkVULUtFWQ==}
'''


def test_yaml_and_json_content_are_content_a_path_is_not():
    assert is_content(YAML) and is_content(json.dumps(CONFIG))
    assert not is_content('~/.kube/config') and not is_content(' /etc/kubeconfig \n')


def test_content_yaml_and_json_give_the_same_mapping():
    assert from_option(YAML) == CONFIG == from_option(json.dumps(CONFIG))


def test_a_path_is_read(tmp_path):
    path = tmp_path / 'kubeconfig'
    path.write_text(YAML)
    assert from_option(str(path)) == CONFIG


def test_missing_file_is_named(tmp_path):
    with pytest.raises(KubeError, match='kubeconfig: .*/nope does not exist'):
        from_option(str(tmp_path / 'nope'))


def test_invalid_yaml_names_the_line_but_not_the_content():
    broken = YAML.replace('kind: Config', 'kind: [Config')
    with pytest.raises(KubeError) as raised:
        from_option(broken)
    assert 'not valid YAML at line' in raised.value.message and 'U0VDUkVU' not in raised.value.message


def test_yaml_that_is_no_kubeconfig_is_refused(tmp_path):
    path = tmp_path / 'notes'
    path.write_text('just: a mapping\n')
    with pytest.raises(KubeError, match='is not a kubeconfig'):
        from_option(str(path))
