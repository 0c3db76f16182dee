# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every golden vector case of the manifest, compared as strictly as the case asks (bytes where it says bytes).

``python tests/unit/plugins/module_utils/machineconfig/vector_runner.py`` prints the per-kind summary."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.tests.unit.plugins.module_utils.machineconfig import vector_runner

CASES = vector_runner.all_cases()


@pytest.mark.parametrize('case', CASES, ids=[c['id'] for c in CASES])
def test_vector(case):
    try:
        how = vector_runner.run(case)
    except vector_runner.NotImplementedCase as exc:
        pytest.xfail(str(exc))
    if case['expected'].get('upstream_compare') == 'bytes':
        assert how in ('bytes', 'pass'), '%s matches as parsed YAML but not byte for byte' % case['id']
