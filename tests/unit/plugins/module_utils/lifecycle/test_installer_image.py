# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which installer a node gets for a version, as Talos names installers (pkg/images/images.go @ v1.14.0-rc.1)."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.lifecycle.installer_image import (DEFAULT_SCHEMATIC,
                                                                                            image_for, registry_of)
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.node_image import factory_host

SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515'


@pytest.mark.parametrize('tag, schematic, platform, secureboot, factory, image', [
    ('v1.15.0', SCHEMATIC, 'metal', False, '127.0.0.5:8443',
     '127.0.0.5:8443/metal-installer/%s:v1.15.0' % SCHEMATIC),
    ('v1.14.1', SCHEMATIC, 'AWS', True, None, 'factory.talos.dev/aws-installer-secureboot/%s:v1.14.1' % SCHEMATIC),
    ('v1.13.4', SCHEMATIC, None, False, None, 'factory.talos.dev/metal-installer/%s:v1.13.4' % SCHEMATIC),
    ('v1.13.4', None, 'metal', False, None, 'ghcr.io/siderolabs/installer:v1.13.4'),
    # ghcr.io has no SecureBoot flavour: the factory's default schematic.
    ('v1.13.4', None, 'metal', True, None,
     'factory.talos.dev/metal-installer-secureboot/%s:v1.13.4' % DEFAULT_SCHEMATIC),
    # No ghcr.io installer from 1.14 on, whatever the node.
    ('v1.14.0', None, 'aws', False, None, 'factory.talos.dev/aws-installer/%s:v1.14.0' % DEFAULT_SCHEMATIC),
    ('v1.15.0', None, 'metal', False, None, 'factory.talos.dev/metal-installer/%s:v1.15.0' % DEFAULT_SCHEMATIC),
])
def test_image_for(tag, schematic, platform, secureboot, factory, image):
    assert image_for(tag, schematic, platform, secureboot, factory) == image


@pytest.mark.parametrize('api_url, host', [
    ('https://factory.talos.dev', 'factory.talos.dev'), ('https://127.0.0.5:8443/', '127.0.0.5:8443'),
    ('', None), ('factory.talos.dev', None),  # no scheme: url.Parse finds no host either, the default applies
])
def test_factory_host(api_url, host):
    assert factory_host(api_url) == host


@pytest.mark.parametrize('reference, registry', [
    ('factory.talos.dev/metal-installer/%s:v1.14.1' % SCHEMATIC, 'factory.talos.dev'),
    ('127.0.0.5:8443/installer/%s:v1.14.1' % SCHEMATIC, '127.0.0.5:8443'),
    ('siderolabs/installer:v1.12.0', None),
])
def test_registry_of(reference, registry):
    assert registry_of(reference) == registry
