# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.upgrade_path filter: hops from one version or a fleet's, clear errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.talos.linux.plugins.filter.upgrade_path import FilterModule

upgrade_path = FilterModule().filters()['upgrade_path']
AVAILABLE = ['v1.12.11', 'v1.13.8', 'v1.13.9', 'v1.14.3', 'v1.15.0']


def test_hops_from_one_version():
    assert upgrade_path('v1.12.6', 'v1.15.0', available=AVAILABLE) == ['v1.13.9', 'v1.15.0']


def test_a_fleet_starts_from_its_oldest_node():
    assert upgrade_path(['v1.13.9', 'v1.12.6', 'v1.14.0'], '1.15.0', available=AVAILABLE) == ['v1.13.9', 'v1.15.0']
    assert upgrade_path(['v1.13.9', 'v1.14.0'], 'v1.15.0') == ['v1.15.0']


@pytest.mark.parametrize('current, target, available, message', [
    ('v1.12.6', 'v1.15.0', None, 'the path is v1.12.6 -> newest v1.13.x -> v1.15.0, and available'),
    ('v1.12.6', 'v1.15.0', ['v1.15.0'], 'no upgrade path from Talos v1.12.6 to v1.15.0'),
    ([], 'v1.15.0', None, 'the input must be a Talos version or a list of them'),
    ('v1.12.6', None, None, 'target must be a Talos version'),
    ('v1.12.6', 'v1.15.0', 'v1.13.9', 'available must be a list of Talos versions'),
    ('main', 'v1.15.0', None, "current version 'main' is not a version tag"),
])
def test_errors_name_the_problem(current, target, available, message):
    with pytest.raises(AnsibleFilterError) as exc:
        upgrade_path(current, target, available=available)
    assert str(exc.value).startswith('talos.linux.upgrade_path: ') and message in str(exc.value)
