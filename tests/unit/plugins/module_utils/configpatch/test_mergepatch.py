# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff to patch beyond the vectors: patches computed from a diff turn the original into the modified config."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.configgen import generate, secrets
from ansible_collections.talos.linux.plugins.module_utils.configpatch import mergepatch, patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, encoder
from ansible_collections.talos.linux.tests.unit import vectors

CHANGES = [
    ['machine:\n  network:\n    interfaces:\n      - interface: enp0s2\n        dhcp: true\n'],
    ['apiVersion: v1alpha1\nkind: KmsgLogConfig\nname: apiSink\nurl: tcp://[fdae:41e4:649b:9303::1]:4001/\n'],
    ['cluster:\n  apiServer:\n    certSANs:\n      - example.com\n'],
    ['machine:\n  kubelet:\n    $patch: delete\n'],
    ['machine:\n  certSANs:\n    $patch: delete\n', 'machine:\n  certSANs:\n    - other.example.com\n'],
    ['machine:\n  sysctls:\n    net.ipv4.ip_forward: "1"\n    kernel.pid_max: "4194304"\n'],
]


@pytest.fixture(scope='module')
def original():
    with open(vectors.path('generate/secrets.yaml'), encoding='utf-8') as f:
        bundle = secrets.loads(f.read())
    return generate.generate(bundle, 'demo', 'https://10.5.0.2:6443', 'controlplane', '1.33.1', 'v1.13')


@pytest.mark.parametrize('changes', CHANGES)
def test_patches_reproduce_the_modified_config(original, changes):
    modified = documents.loads(patch.apply_patches(original, changes))
    patches = mergepatch.merge_patches(original, modified)
    assert patch.apply(original, patches) == modified.encode()


def test_identical_configs_need_no_patch(original):
    assert mergepatch.merge_patches(original, original.clone()) == []


def test_changed_list_is_deleted_then_set(original):
    modified = documents.loads(patch.apply_patches(original, CHANGES[4]))
    first, second = mergepatch.merge_patches(original, modified)
    assert first.bytes() == 'machine:\n  certSANs:\n    $patch: delete\nversion: v1alpha1\n'
    assert second.bytes() == 'machine:\n  certSANs:\n    - other.example.com\nversion: v1alpha1\n'


def test_serialized_keys_follow_go_yaml_order():
    keys = ['a10', 'a9', 'a_b', 'ab', '$patch', 'B', 'a01']
    assert sorted(keys, key=encoder.key_order) == ['$patch', 'B', 'a_b', 'a01', 'a9', 'a10', 'ab']
