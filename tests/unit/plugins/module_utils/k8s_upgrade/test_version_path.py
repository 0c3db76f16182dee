# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes versions, the upgrade path (go-kubernetes upgrade/path.go @ 0caf1f2) and what each Talos line
supports (talosXY.go @ v1.14.0-rc.1, talos115.go on main)."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.version_path import (KubeVersion,
                                                                                           check_path,
                                                                                           check_talos_supports,
                                                                                           parse_kube_version)


def version(text: str) -> KubeVersion:
    return parse_kube_version(text, 'to_version')


@pytest.mark.parametrize('text, parsed', [
    ('1.36.3', KubeVersion(1, 36, 3)),
    ('v1.36.3', KubeVersion(1, 36, 3)),
    ('1.37.0-rc.0', KubeVersion(1, 37, 0, 'rc.0')),
    ('v1.37.0-alpha.1.beta-2', KubeVersion(1, 37, 0, 'alpha.1.beta-2')),
])
def test_versions_parse_with_or_without_v(text, parsed):
    assert version(text) == parsed


@pytest.mark.parametrize('text', ['1.36', 'v1.36', '1.36.3.1', 'V1.36.3', ' 1.36.3', '1.36.3 ', '1.036.3',
                                  '1.36.3-', '1.36.3+build.1', 'latest', '', None, 1.36])
def test_anything_else_is_refused_naming_the_option(text):
    with pytest.raises(TalosError) as caught:
        version(text)
    assert caught.value.message == ('to_version %r is not a Kubernetes version such as 1.36.3 or v1.36.3'
                                    % (text,))


def test_str_drops_the_v():
    assert str(version('v1.36.3')) == '1.36.3'
    assert str(version('v1.37.0-rc.0')) == '1.37.0-rc.0'
    assert version('v1.37.0-rc.0').line == '1.37'


def test_ordering_is_semver():
    ordered = ['1.36.3', '1.36.10', '1.37.0-alpha.0', '1.37.0-alpha.1', '1.37.0-alpha.beta', '1.37.0-beta.2',
               '1.37.0-beta.11', '1.37.0-rc.0', '1.37.0', '1.37.1']
    versions = [version(text) for text in ordered]
    assert sorted(reversed(versions)) == versions
    assert version('1.37.0-rc.0') < version('1.37.0') <= version('v1.37.0') < version('1.37.1')
    assert version('1.37.0') > version('1.37.0-rc.0') >= version('1.37.0-rc.0')
    assert len({version('1.37.0'), version('v1.37.0')}) == 1


@pytest.mark.parametrize('current, target', [
    ('1.36.3', '1.36.3'), ('1.36.3', '1.36.4'), ('1.36.3', '1.37.0'), ('1.36.3', '1.37.0-rc.0'),
    ('1.37.0-rc.0', '1.37.0'), ('1.19.0', '1.20.16'), ('1.37.2', '1.38.0'),
])
def test_same_minor_or_the_next_one_is_a_path(current, target):
    assert check_path(version(current), version(target)) is None


def test_a_skipped_minor_names_the_way_up():
    with pytest.raises(TalosError) as caught:
        check_path(version('1.34.2'), version('1.36.0'))
    assert caught.value.message == ('Kubernetes 1.34 -> 1.36 is not supported: upgrade one minor at a time: '
                                    '1.34 -> 1.35 -> 1.36')
    with pytest.raises(TalosError, match=r'1\.32 -> 1\.33 -> 1\.34 -> 1\.35$'):
        check_path(version('1.32.0'), version('1.35.1'))


def test_a_minor_downgrade_is_refused():
    with pytest.raises(TalosError) as caught:
        check_path(version('1.36.3'), version('1.35.9'))
    assert caught.value.message == ('Kubernetes 1.36 -> 1.35 is not supported: Kubernetes does not downgrade '
                                    '(the cluster runs 1.36.3, the target is 1.35.9)')


@pytest.mark.parametrize('current, target', [('1.36.3', '1.36.1'), ('1.37.0', '1.37.0-rc.0')])
def test_a_patch_downgrade_is_refused_naming_the_versions(current, target):
    with pytest.raises(TalosError) as caught:
        check_path(version(current), version(target))
    assert caught.value.message == ('Kubernetes %s -> %s is a downgrade, which is not supported: the target must '
                                    'not be older than the running %s' % (current, target, current))


@pytest.mark.parametrize('current, target', [('1.18.20', '1.19.0'), ('1.18.1', '1.18.2'), ('1.37.0', '2.0.0')])
def test_versions_outside_the_table_have_no_path(current, target):
    with pytest.raises(TalosError, match='upgrade-k8s upgrades Kubernetes 1.19 and newer 1.x versions only'):
        check_path(version(current), version(target))


@pytest.mark.parametrize('talos, kubernetes', [
    # talos112.go: 1.30.0 up to 1.35.99; talos113.go: 1.31.0 up to 1.36.99; talos114.go: 1.32.0 up to 1.37.99.
    ('v1.12.4', '1.30.0'), ('v1.12.4', '1.35.98'), ('v1.13.9', '1.31.0'), ('v1.13.9', '1.36.3'),
    ('v1.14.0-rc.1', '1.37.0-rc.0'), ('v1.14.0', '1.32.0'), ('v1.14.0', '1.37.98'),
    # talos110.go: 1.28.0 up to 1.33.99; talos111.go: 1.29.0 up to 1.34.99; talos115.go: 1.33.0 up to 1.38.99.
    ('v1.10.9', '1.33.6'), ('v1.11.6', '1.29.0'), ('1.15.0-alpha.0', '1.38.0'),
    # Only major.minor.patch count: a pre-release of the minimum is the minimum.
    ('v1.13.0', '1.31.0-rc.1'),
])
def test_a_supported_target_passes(talos, kubernetes):
    assert check_talos_supports(talos, version(kubernetes), '10.5.0.2') is None


@pytest.mark.parametrize('talos, kubernetes, fit, low, high', [
    ('v1.12.4', '1.36.0', 'too new', '1.30.0', '1.35.99'),
    ('v1.12.4', '1.29.9', 'too old', '1.30.0', '1.35.99'),
    ('v1.13.9', '1.37.0', 'too new', '1.31.0', '1.36.99'),
    ('v1.14.0-rc.1', '1.31.5', 'too old', '1.32.0', '1.37.99'),
    ('v1.14.0', '1.37.99', 'too new', '1.32.0', '1.37.99'),
    ('v1.10.0', '1.34.0', 'too new', '1.28.0', '1.33.99'),
])
def test_an_unsupported_target_names_the_node_and_the_range(talos, kubernetes, fit, low, high):
    with pytest.raises(TalosError) as caught:
        check_talos_supports(talos, version(kubernetes), '10.5.0.2')
    line = '.'.join(talos.lstrip('v').split('.')[:2])
    assert caught.value.node == '10.5.0.2'
    assert caught.value.message == ('Kubernetes %s is %s for Talos %s: Talos %s supports Kubernetes %s up to '
                                    '(not including) %s' % (kubernetes, fit, talos, line, low, high))
    assert str(caught.value).startswith('node 10.5.0.2: Kubernetes ')


def test_a_newer_talos_line_is_a_warning_not_a_refusal():
    warning = check_talos_supports('v1.16.0', version('1.40.0'), 'cp-1')
    assert warning == ('node cp-1 runs Talos v1.16.0, newer than the Talos lines whose Kubernetes support is known '
                       '(up to 1.15): Kubernetes 1.40.0 was not checked against it')


def test_an_older_talos_line_or_a_bad_tag_is_refused():
    with pytest.raises(TalosError) as caught:
        check_talos_supports('v1.1.0', version('1.24.0'), 'cp-1')
    assert (caught.value.node, caught.value.message) == (
        'cp-1', 'Talos v1.1.0 is older than the Talos lines whose Kubernetes support is known (1.2 and newer)')
    with pytest.raises(TalosError, match="Talos version 'unknown' is not a version tag") as caught:
        check_talos_supports('unknown', version('1.36.0'), 'cp-1')
    assert caught.value.node == 'cp-1'
