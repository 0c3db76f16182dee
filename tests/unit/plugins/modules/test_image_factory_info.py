# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""image_factory_info's main(): what it asks the factory for each option, and its argument checks."""

from __future__ import annotations

import json

from ansible_collections.talos.linux.plugins.modules import image_factory_info
from ansible_collections.talos.linux.tests.unit.plugins.module_utils.imagefactory.canned_factory import (  # noqa: F401 pylint: disable=unused-import
    canned_factory)

ID = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'
EXTENSION = {'name': 'siderolabs/iscsi-tools', 'ref': 'ghcr.io/siderolabs/iscsi-tools:v0.2.0', 'digest': 'sha256:1',
             'author': 'Sidero Labs', 'description': 'iscsi'}
OVERLAY = {'name': 'rpi_generic', 'image': 'siderolabs/sbc-raspberrypi', 'ref': 'x', 'digest': 'sha256:2'}


def _factory(factory):
    factory.answer('GET', '/versions', 200, '["v1.14.1","v1.14.2"]\n')
    factory.answer('GET', '/version/v1.14.2/extensions/official', 200, json.dumps([EXTENSION]))
    factory.answer('GET', '/version/v1.14.2/overlays/official', 200, json.dumps([OVERLAY]))
    factory.answer('GET', '/schematics/' + ID, 200, 'customization: {}\n', 'application/yaml')
    return factory


def _run(run, factory, **args):
    return run(image_factory_info, talosconfig=None, factory_url=factory.url, **args)


def test_versions_only(run, canned_factory):
    result = _run(run, _factory(canned_factory))
    result.pop('invocation', None)  # there before ansible-core 2.21; from 2.21 only with INJECT_INVOCATION on
    assert result == {'changed': False, 'versions': ['v1.14.1', 'v1.14.2']}
    assert [path for _method, path, _body in canned_factory.requests] == ['/versions']


def test_catalogue_of_a_version(run, canned_factory):
    result = _run(run, _factory(canned_factory), talos_version='1.14.2')
    assert (result['extensions'], result['overlays']) == ([EXTENSION], [OVERLAY])
    assert 'urls' not in result


def test_urls_of_a_schematic(run, canned_factory):
    result = _run(run, _factory(canned_factory), talos_version='v1.14.2', schematic_id=ID, platform='nocloud',
                  arch='arm64', secureboot=True)
    base = '%s/image/%s/v1.14.2/nocloud-arm64-secureboot' % (canned_factory.url, ID)
    host = canned_factory.url.split('://', 1)[1]
    assert result['urls'] == {'installer': '%s/nocloud-installer-secureboot/%s:v1.14.2' % (host, ID),
                              'iso': base + '.iso', 'disk_image': base + '.raw.xz'}
    assert result['schematic'] == 'customization: {}\n'


def test_schematic_id_needs_talos_version(run, canned_factory):
    result = _run(run, canned_factory, schematic_id=ID)
    assert result['failed'] is True and 'schematic_id' in result['msg'] and 'talos_version' in result['msg']
    assert not canned_factory.requests


def test_an_unknown_platform_names_the_option(run, canned_factory):
    result = _run(run, canned_factory, talos_version='v1.14.2', schematic_id=ID, platform='amazon')
    assert result['failed'] is True and 'platform' in result['msg'] and 'amazon' in result['msg']
