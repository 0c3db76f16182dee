# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs one golden vector case and says how it matched: 'bytes', 'parsed', 'pass' (no file) or raises."""

from __future__ import annotations

import os

import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig
from ansible_collections.talos.linux.plugins.module_utils.configgen import generate, secrets
from ansible_collections.talos.linux.plugins.module_utils.configpatch import mergepatch, patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import diff, documents
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import MachineConfigError
from ansible_collections.talos.linux.tests.unit import vectors

KINDS = ('generate', 'patch', 'diff', 'secrets', 'talosconfig_merge')


class NotImplementedCase(Exception):
    """A case kind this implementation does not cover yet."""


def _read(rel: str) -> str:
    with open(vectors.path(rel), encoding='utf-8') as f:
        return f.read()


def compare(actual: str, expected_rel: str) -> str:
    expected = _read(expected_rel)
    if actual == expected:
        return 'bytes'
    assert list(yaml.safe_load_all(actual)) == list(yaml.safe_load_all(expected)), \
        'output differs from %s:\n%s' % (expected_rel, actual)
    return 'parsed'


def run_generate(case: dict) -> str:
    inp = case['inputs']
    bundle = secrets.loads(_read(inp['secrets_bundle']))
    config = generate.generate(bundle, inp['cluster_name'], inp['endpoint'], inp['machine_type'],
                               inp['kubernetes_version'], inp['version_contract'], inp['options'])
    text = patch.apply_patches(config, inp['patches'], vectors.VECTORS) if inp['patches'] else config.encode()
    return compare(text, case['expected']['file'])


def _check_loaded(case: dict) -> str:
    loaded = patch.load_patches(case['inputs']['patches'], vectors.VECTORS)
    wanted = case['expected']['loaded_patches']
    assert len(loaded) == len(wanted)
    for got, want in zip(loaded, wanted):
        assert (want['type'] == 'json6902') == isinstance(got, patch.JSONPatch)
        for i, op in enumerate(want.get('operations') or []):
            for key, value in op.items():
                assert got.operations[i][key] == value
        if 'document_kinds' in want:
            assert got.kinds() == want['document_kinds']
        if 'bytes_file' in want:
            assert got.bytes() == _read(want['bytes_file'])
    return 'pass'


def run_patch(case: dict) -> str:
    inp, exp = case['inputs'], case['expected']
    if inp['operation'] in ('load_patch', 'load_patches'):
        return _check_loaded(case)
    text = _read(inp['config']) if inp.get('config') else ''
    results = []
    for mode in inp.get('input_modes') or ['bytes']:
        config = documents.loads(text) if mode == 'config' else text
        if 'error' in exp:
            try:
                patch.apply_patches(config, inp['patches'], vectors.VECTORS)
            except MachineConfigError as exc:
                assert exp['error'] in str(exc)
                results.append('pass')
                continue
            raise AssertionError('expected an error containing %r' % exp['error'])
        out = patch.apply_patches(config, inp['patches'], vectors.VECTORS)
        if 'document_count' in exp:
            assert len(documents.compose(out)) == exp['document_count']
            results.append('pass')
        else:
            results.append(compare(out, exp['file']))
    return 'parsed' if 'parsed' in results else results[0]


def run_diff(case: dict) -> str:
    inp, exp = case['inputs'], case['expected']
    if inp['operation'] == 'merge_patch':
        return run_merge_patch(case)
    actual = diff.diff_configs(_read(inp['old']), _read(inp['new']))
    assert actual == _read(exp['file'])
    return 'bytes'


def run_merge_patch(case: dict) -> str:
    inp, exp = case['inputs'], case['expected']
    original = documents.loads(_read(inp['original']))
    patches = mergepatch.merge_patches(original, documents.loads(_read(inp['modified'])))
    if 'patches' in exp:
        assert [p.bytes() for p in patches] == [_read(rel) for rel in exp['patches']]
    return compare(patch.apply(original, patches), exp['file'])


def run_secrets(case: dict) -> str:
    inp, exp = case['inputs'], case['expected']
    bundle = secrets.loads(_read(inp['bundle']))
    if exp.get('valid'):
        secrets.validate(bundle)
        for key_path in exp.get('non_empty', []):
            node = bundle
            for part in key_path.split('.'):
                node = node[part]
            assert node
        return 'pass'
    try:
        secrets.validate(bundle)
    except MachineConfigError as exc:
        text = str(exc)
        positions = [text.index(msg) for msg in exp['error_contains_all']]
        assert positions == sorted(positions)
        return 'bytes' if text == _read(exp['error_file']) else 'pass'
    raise AssertionError('bundle should be invalid')


def run_talosconfig_merge(case: dict) -> str:
    inp, exp = case['inputs'], case['expected']
    base = talosconfig.loads(_read(inp['config']))
    renames = []
    for rel in inp['merge']:
        renames += talosconfig.merge(base, talosconfig.loads(_read(rel)))
    assert base.context == exp['current_context']
    assert sorted(base.contexts) == exp['context_names']
    assert [{'from': a, 'to': b} for a, b in renames] == exp['renames']
    assert base.to_dict() == yaml.safe_load(_read(exp['file']))
    return compare(talosconfig.dumps(base), exp['file'])


def run(case: dict) -> str:
    return globals()['run_' + case['kind']](case)


def all_cases() -> list[dict]:
    return [case for kind in KINDS for case in vectors.cases(kind)]


def report() -> str:
    """'N/M byte-for-byte, K/M parsed' per kind and in total."""
    lines = []
    totals = [0, 0, 0]
    for kind in KINDS:
        counts = [0, 0, 0]
        for case in vectors.cases(kind):
            counts[2] += 1
            try:
                how = run(case)
            except Exception:  # pylint: disable=broad-except
                continue
            counts[1] += 1
            counts[0] += how in ('bytes', 'pass')
        lines.append('%-18s %d/%d byte-for-byte, %d/%d parsed' % (kind, counts[0], counts[2], counts[1], counts[2]))
        totals = [t + c for t, c in zip(totals, counts)]
    lines.append('%-18s %d/%d byte-for-byte, %d/%d parsed' % ('total', totals[0], totals[2], totals[1], totals[2]))
    return '\n'.join(lines)


if __name__ == '__main__':
    print(os.linesep.join(['golden vectors (%s)' % vectors.VECTORS, report()]))
