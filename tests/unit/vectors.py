# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access to the golden vectors (tests/data/vectors, copied from upstream Talos test data), through their manifest.

The set lives in the repository so a fresh clone tests itself; ``TALOS_VECTORS`` points at another copy
(e.g. a newer drop of the team's shared set) to run the same tests against it."""

from __future__ import annotations

import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
VECTORS = os.environ.get('TALOS_VECTORS', os.path.join(REPO, 'tests', 'data', 'vectors'))


def cases(kind: str) -> list[dict]:
    manifest = os.path.join(VECTORS, 'manifest.yaml')
    if not os.path.isfile(manifest):
        pytest.fail('golden vectors not found at %s (set TALOS_VECTORS)' % VECTORS)
    with open(manifest, encoding='utf-8') as f:
        return [case for case in yaml.safe_load(f) if case['kind'] == kind]


def path(relative: str) -> str:
    return os.path.join(VECTORS, relative)
