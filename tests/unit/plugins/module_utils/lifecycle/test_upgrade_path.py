# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade-path rules, as tables written from Talos's compatibility package (talosXY.go @ v1.14.0-rc.1,
talos115.go on main), and the planner built on them."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade_path import (kubernetes_fit,
                                                                                         kubernetes_range,
                                                                                         path_by_lines, plan, refusal)

AVAILABLE = ['v1.11.6', 'v1.12.0', 'v1.12.11', 'v1.13.0', 'v1.13.9', 'v1.14.0', 'v1.14.3', 'v1.15.0-beta.0',
             'v1.15.0']


@pytest.mark.parametrize('host, target, accepted', [
    # Talos 1.15 installs from 1.13.0 on and below 1.17.0 (talos115.go).
    ('v1.12.11', 'v1.15.0', False), ('v1.13.0', 'v1.15.0', True), ('v1.13.0-alpha.2', 'v1.15.0', True),
    ('v1.16.9', 'v1.15.0', True), ('v1.17.0', 'v1.15.0', False),
    # Talos 1.14: from 1.12.0, below 1.16.0 (talos114.go).
    ('v1.11.6', 'v1.14.3', False), ('v1.12.0', 'v1.14.3', True), ('v1.15.2', 'v1.14.3', True),
    ('v1.16.0', 'v1.14.3', False),
    # Talos 1.13: from 1.11.0, below 1.15.0; 1.12: from 1.10.0, below 1.14.0.
    ('v1.10.9', 'v1.13.4', False), ('v1.11.0', 'v1.13.4', True), ('v1.14.3', 'v1.13.4', True),
    ('v1.15.0', 'v1.13.4', False), ('v1.14.0', 'v1.12.6', False), ('v1.13.9', 'v1.12.6', True),
])
def test_which_hosts_an_installer_runs_on(host, target, accepted):
    assert (refusal(host, target) is None) is accepted


def test_refusals_name_the_rule():
    assert refusal('v1.12.6', 'v1.15.0') == 'Talos v1.15.0 upgrades only from v1.13.0 or newer'
    assert refusal('v1.16.0', 'v1.14.1') == ('Talos v1.14.1 runs only on hosts older than v1.16.0 (it cannot '
                                             'downgrade v1.16.0)')


def test_a_line_newer_than_the_rules_is_left_to_its_installer():
    assert refusal('v1.0.0', 'v1.16.0') is None and kubernetes_range('v1.16.0') is None


@pytest.mark.parametrize('target, low, high', [
    ('v1.12.6', 'v1.30.0', 'v1.35.99'), ('v1.13.0', 'v1.31.0', 'v1.36.99'), ('v1.14.3', 'v1.32.0', 'v1.37.99'),
    ('v1.15.0', 'v1.33.0', 'v1.38.99'),
])
def test_kubernetes_range_of_each_line(target, low, high):
    assert kubernetes_range(target) == (low, high)


@pytest.mark.parametrize('kubernetes, target, fit', [
    ('v1.32.4', 'v1.15.0', 'too old'), ('v1.33.0', 'v1.15.0', None), ('1.38.5', 'v1.15.0', None),
    ('v1.38.99', 'v1.15.0', 'too new'), ('v1.36.2', 'v1.13.9', None), ('v1.37.0', 'v1.13.9', 'too new'),
])
def test_kubernetes_fit(kubernetes, target, fit):
    assert kubernetes_fit(kubernetes, target) == fit


@pytest.mark.parametrize('current, target, hops', [
    ('v1.12.6', 'v1.15.0', ['v1.13.9', 'v1.15.0']),  # 1.13 and 1.14 would both do: the smaller jump
    ('v1.13.2', 'v1.15.0', ['v1.15.0']),
    ('v1.11.6', 'v1.15.0', ['v1.13.9', 'v1.15.0']),  # 1.13 runs on 1.11, 1.15 on 1.13
    ('v1.10.3', 'v1.14.0', ['v1.12.11', 'v1.14.0']),
    ('v1.15.0', 'v1.12.6', ['v1.14.3', 'v1.13.9', 'v1.12.6']),  # downgrades pass through every line
    ('v1.14.1', 'v1.14.3', ['v1.14.3']),
])
def test_plan_takes_the_fewest_hops_through_the_newest_releases(current, target, hops):
    assert plan(current, target, AVAILABLE) == hops


def test_plan_never_hops_through_a_prerelease_and_skips_lines_without_a_release():
    assert plan('v1.12.6', 'v1.15.0', ['v1.13.0-rc.1', 'v1.14.2']) == ['v1.14.2', 'v1.15.0']


def test_plan_without_available_names_the_lines():
    assert plan('v1.13.4', 'v1.15.0') == ['v1.15.0']
    with pytest.raises(TalosError) as exc:
        plan('v1.12.6', 'v1.15.0')
    assert exc.value.message == (
        'Talos v1.15.0 cannot be installed on v1.12.6 directly (Talos v1.15.0 upgrades only from v1.13.0 or '
        'newer); the path is v1.12.6 -> newest v1.13.x -> v1.15.0, and available (the versions to choose from) '
        'names the releases')
    assert path_by_lines('v1.10.2', 'v1.15.0') == ['v1.10.2', 'newest v1.11.x', 'newest v1.13.x', 'v1.15.0']


def test_no_path_through_what_is_available():
    with pytest.raises(TalosError) as exc:
        plan('v1.12.6', 'v1.15.0', ['v1.12.11', 'v1.15.0'])
    assert exc.value.message == ('no upgrade path from Talos v1.12.6 to v1.15.0 through the versions available '
                                 '(v1.12.11, v1.15.0): Talos v1.15.0 upgrades only from v1.13.0 or newer')


def test_bad_versions_are_named():
    with pytest.raises(TalosError, match="target version 'latest' is not a version tag"):
        plan('v1.12.6', 'latest')
