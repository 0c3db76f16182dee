# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes version each Talos contract ships, checked against upstream's constants at the cited revisions:
always against the values recorded from upstream (tests/data/upstream/kubernetes_defaults.yaml, so a fresh
clone checks them too), and that record against upstream itself when a mirror of siderolabs/talos is at hand."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.configgen import contract, generate, machine_config, secrets
from ansible_collections.talos.linux.plugins.module_utils.configgen.kubernetes_default import SHIPPED

TALOS_MIRROR = '/work/.mirror/siderolabs+talos/repo'
RECORDED_AT = os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', '..', '..', 'data', 'upstream',
                           'kubernetes_defaults.yaml')
LINES = sorted(SHIPPED)
IDS = ['v%d.%d' % line for line in LINES]


def recorded() -> dict:
    with open(RECORDED_AT, encoding='utf-8') as f:
        return yaml.safe_load(f)


def git(*args: str) -> str:
    return subprocess.run(['git', '-C', TALOS_MIRROR, *args], capture_output=True, text=True, check=True).stdout


def test_every_contract_has_a_default():
    contracts = {(1, minor) for minor in range(contract.OLDEST[1], contract.CURRENT[1] + 1)}
    assert set(SHIPPED) == contracts


@pytest.mark.parametrize('line', LINES, ids=IDS)
def test_default_is_upstreams_as_recorded(line):
    version, revision = SHIPPED[line]
    assert recorded()['revisions'][revision]['value'] == version
    assert generate.KUBERNETES_VERSION.match(version)


@pytest.mark.parametrize('line', LINES, ids=IDS)
def test_the_record_is_upstreams(line):
    if not os.path.isdir(TALOS_MIRROR):
        pytest.skip('no siderolabs/talos mirror on this machine (the recorded values are checked without one)')
    record = recorded()
    revision = SHIPPED[line][1].split('@')[-1]
    entry = record['revisions'][SHIPPED[line][1]]
    assert git('rev-parse', revision + '^{commit}').strip() == entry['commit']
    assert git('rev-parse', '%s:%s' % (revision, record['path'])).strip() == entry['blob']
    source = git('show', '%s:%s' % (revision, record['path'])).splitlines()
    assert re.search(r'DefaultKubernetesVersion = "([^"]+)"', source[entry['line'] - 1]).group(1) == entry['value']


def test_given_version_wins():
    assert machine_config.kubernetes_version({'kubernetes_version': '1.30.0', 'talos_version': 'v1.13'}) == '1.30.0'


def test_default_follows_the_contract():
    assert machine_config.kubernetes_version({'kubernetes_version': None, 'talos_version': 'v1.13.4'}) == '1.36.3'
    newest = SHIPPED[contract.CURRENT][0]
    assert machine_config.kubernetes_version({'kubernetes_version': None, 'talos_version': None}) == newest


def test_generated_config_uses_the_default():
    params = {'secrets': secrets.generate('v1.12'), 'cluster_name': 'c', 'cluster_endpoint': 'https://10.5.0.2:6443',
              'machine_type': 'controlplane', 'kubernetes_version': None, 'talos_version': 'v1.12'}
    text = machine_config.render(params)
    assert 'kube-apiserver:v1.35.4' in text
    assert 'kubelet:v1.35.4' in text
