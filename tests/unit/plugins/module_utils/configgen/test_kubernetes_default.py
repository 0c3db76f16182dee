# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes version each Talos contract ships, checked against upstream's constants at the cited tags."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from ansible_collections.talos.linux.plugins.module_utils.configgen import contract, generate, machine_config, secrets
from ansible_collections.talos.linux.plugins.module_utils.configgen.kubernetes_default import SHIPPED

TALOS_MIRROR = '/work/.mirror/siderolabs+talos/repo'


def upstream_default(revision: str) -> str:
    """DefaultKubernetesVersion in pkg/machinery/constants/constants.go at a tag or ``main@<commit>``."""
    source = subprocess.run(
        ['git', '-C', TALOS_MIRROR, 'show', revision.split('@')[-1] + ':pkg/machinery/constants/constants.go'],
        capture_output=True, text=True, check=True).stdout
    return re.search(r'DefaultKubernetesVersion = "([^"]+)"', source).group(1)


def test_every_contract_has_a_default():
    contracts = {(1, minor) for minor in range(contract.OLDEST[1], contract.CURRENT[1] + 1)}
    assert set(SHIPPED) == contracts


@pytest.mark.parametrize('line', sorted(SHIPPED), ids=['v%d.%d' % line for line in sorted(SHIPPED)])
def test_default_is_upstreams(line):
    if not os.path.isdir(TALOS_MIRROR):
        pytest.skip('no siderolabs/talos mirror on this machine')
    version, revision = SHIPPED[line]
    assert upstream_default(revision) == version
    assert generate.KUBERNETES_VERSION.match(version)


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
