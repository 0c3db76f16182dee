# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Focused tests of the rules behind the vectors: key order, omitempty, deletes, errors."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.configgen import contract
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, encoder
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import (ConfigError, ContractError,
                                                                                       PatchError)

BASE = 'version: v1alpha1\nmachine:\n  type: worker\n  token: t\n'


def test_schema_key_order_and_non_omitempty_fields():
    cfg = documents.loads('machine:\n  token: t\n  type: worker\nversion: v1alpha1\n')
    assert cfg.encode() == 'version: v1alpha1\nmachine:\n    type: worker\n    token: t\n    certSANs: []\ncluster: null\n'


def test_extra_mount_written_in_struct_order():
    out = patch.apply_patches(documents.loads(BASE), [
        'machine:\n  kubelet:\n    extraMounts:\n      - source: /a\n        destination: /b\n        type: bind\n'])
    assert '- destination: /b\n              type: bind\n              source: /a\n' in out


def test_patch_delete_key():
    out = patch.apply_patches(documents.loads(BASE + '  network:\n    hostname: x\n'),
                              ['machine:\n  network:\n    hostname:\n      $patch: delete\n'])
    assert 'hostname' not in out


def test_patch_delete_missing_path_is_an_error():
    with pytest.raises(PatchError, match='lookup failed'):
        patch.apply_patches(documents.loads(BASE), ['machine:\n  network:\n    hostname:\n      $patch: delete\n'])


def test_json6902_rejected_on_multidoc():
    text = BASE + '---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n'
    with pytest.raises(PatchError, match='patch 1: JSON6902 patches are not supported for multi-document'):
        patch.apply_patches(text, ['[{"op": "add", "path": "/machine/certSANs", "value": []}]'])


def test_unknown_contract():
    with pytest.raises(ContractError, match='unknown version contract v1.99'):
        contract.parse('v1.99')
    assert str(contract.parse('1.14.2')) == 'v1.14'


def test_unknown_field_names_document_and_field():
    with pytest.raises(ConfigError, match=r'document 1 \(v1alpha1\): machine.bogus: unknown field'):
        documents.loads(BASE + '  bogus: 1\n')


def test_malformed_yaml():
    with pytest.raises(ConfigError, match='invalid YAML'):
        documents.loads('machine: [\n')


def test_encoder_quotes_and_no_folding():
    long = 'x' * 500
    assert encoder.dump({'a': '', 'b': 'yes', 'c': '1.28', 'd': long, 'e': 'a == "b"'}) == \
        'a: ""\nb: "yes"\nc: "1.28"\nd: %s\ne: a == "b"\n' % long
