# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every golden vector case of the manifest; parsed equality is the criterion, byte equality is reported."""

from __future__ import annotations

import warnings

import pytest

from ansible_collections.talos.linux.tests.unit.machineconfig import vector_runner

CASES = vector_runner.all_cases()


@pytest.mark.parametrize('case', CASES, ids=[c['id'] for c in CASES])
def test_vector(case):
    try:
        how = vector_runner.run(case)
    except vector_runner.NotImplementedCase as exc:
        pytest.xfail(str(exc))
    if how == 'parsed' and case['expected'].get('upstream_compare') == 'bytes':
        warnings.warn('%s matches as parsed YAML but not byte for byte' % case['id'])


def test_report(capsys):
    with capsys.disabled():
        print('\n' + vector_runner.report())
