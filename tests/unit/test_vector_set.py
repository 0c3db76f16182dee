# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The golden vector set in the repository is whole and unaltered: checksums, provenance, manifest references."""

from __future__ import annotations

import hashlib
import os

import yaml

from ansible_collections.talos.linux.tests.unit import vectors

# Files of the set that describe it rather than being vector data.
META_FILES = {'SHA256SUMS', 'PROVENANCE.yaml', 'README.md', 'manifest.yaml'}


def _data_files() -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(vectors.VECTORS):
        for name in files:
            found.add(os.path.relpath(os.path.join(root, name), vectors.VECTORS))
    return found - META_FILES


def _sums() -> dict[str, str]:
    with open(vectors.path('SHA256SUMS'), encoding='utf-8') as f:
        return {name.lstrip('*'): digest for digest, name in (line.split(None, 1) for line in f.read().splitlines())}


def test_every_data_file_matches_its_checksum():
    sums = _sums()
    assert set(sums) >= _data_files(), 'files without a checksum: %s' % sorted(_data_files() - set(sums))
    for name, digest in sums.items():
        with open(vectors.path(name), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, '%s differs from SHA256SUMS' % name


def test_every_data_file_has_its_provenance():
    with open(vectors.path('PROVENANCE.yaml'), encoding='utf-8') as f:
        provenance = yaml.safe_load(f)
    missing = sorted(name for name in _data_files() if not provenance.get(name))
    assert not missing, 'no provenance for %s' % missing


def test_the_license_of_the_upstream_data_is_carried():
    with open(vectors.path('README.md'), encoding='utf-8') as f:
        assert 'Mozilla Public License 2.0' in f.read()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(vectors.VECTORS)))
    assert os.path.isfile(os.path.join(repo, 'LICENSES', 'MPL-2.0.txt'))


def test_manifest_names_only_files_that_exist():
    with open(vectors.path('manifest.yaml'), encoding='utf-8') as f:
        manifest = yaml.safe_load(f)
    named = set()

    def collect(value):
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str) and value.split('/', 1)[0] in kinds:
            named.add(value)
    kinds = {case['kind'] for case in manifest}
    for case in manifest:
        collect({k: v for k, v in case.items() if k in ('inputs', 'expected')})
    missing = sorted(name for name in named if not os.path.exists(vectors.path(name)))
    assert named and not missing, 'manifest names missing files: %s' % missing
