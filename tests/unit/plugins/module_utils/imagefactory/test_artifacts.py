# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Artifact names as the factory serves them (Talos's platform table, the factory's installer repositories)."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.imagefactory import artifacts

ID = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'
BASE = 'https://factory.talos.dev/image/%s/v1.14.2/' % ID


def _urls(**kwargs):
    return artifacts.urls('https://factory.talos.dev/', 'factory.talos.dev', ID, '1.14.2', **kwargs)


def test_metal():
    assert _urls() == {'installer': 'factory.talos.dev/metal-installer/%s:v1.14.2' % ID,
                       'iso': BASE + 'metal-amd64.iso', 'disk_image': BASE + 'metal-amd64.raw.zst'}


def test_metal_secureboot_arm64():
    assert _urls(arch='arm64', secureboot=True) == {
        'installer': 'factory.talos.dev/metal-installer-secureboot/%s:v1.14.2' % ID,
        'iso': BASE + 'metal-arm64-secureboot.iso', 'disk_image': BASE + 'metal-arm64-secureboot.raw.zst'}


@pytest.mark.parametrize('platform, iso, disk_image', [
    ('aws', None, BASE + 'aws-amd64.raw.xz'),
    ('gcp', None, BASE + 'gcp-amd64.raw.tar.gz'),
    ('vmware', BASE + 'vmware-amd64.iso', BASE + 'vmware-amd64.ova'),
    ('vultr', BASE + 'vultr-amd64.iso', None),
    ('equinixMetal', None, None),
    ('digital-ocean', None, BASE + 'digital-ocean-amd64.raw.gz'),
])
def test_platforms(platform, iso, disk_image):
    urls = _urls(platform=platform)
    assert urls['installer'] == 'factory.talos.dev/%s-installer/%s:v1.14.2' % (platform, ID)
    assert (urls['iso'], urls['disk_image']) == (iso, disk_image)


def test_secureboot_only_where_the_platform_has_it():
    with pytest.raises(TalosError, match='^secureboot: platform aws has no SecureBoot images '
                                         r'\(those that do: metal, azure, nocloud, cloudstack\)$'):
        _urls(platform='aws', secureboot=True)
