# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""image_factory_schematic and image_factory_info over HTTPS against talos-sim's Image Factory.

talos-sim computes schematic IDs with its own code, so a local ID equal to the factory's is two independent
implementations agreeing; the playbook tests run the real ansible-playbook and check the factory's state
through its own HTTP API, not through the modules.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.talos.linux.plugins.module_utils.imagefactory import schematic as schematics
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import FactoryClient
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture
from ansible_collections.talos.linux.tests.unit import vectors

VECTOR_CASES = vectors.cases('image_factory')
ISCSI = {'customization': {'systemExtensions': {'officialExtensions': ['siderolabs/iscsi-tools']}}}

# Schematics written in several ways, each exercising a part of the canonical form.
SCHEMATICS = [
    '{}',
    'customization: {extraKernelArgs: [noapic, "console=ttyS0,115200", "yes", "0x10"]}',
    'customization:\n  systemExtensions:\n    officialExtensions:\n'
    '    - siderolabs/iscsi-tools\n    - siderolabs/util-linux-tools',
    'overlay: {name: rpi_generic, image: siderolabs/sbc-raspberrypi, options: {configTxt: "a: b", z: 1, b: [x]}}',
    'customization: {meta: [{key: 0xa, value: "{}"}, {key: 12, value: "1"}], bootloader: GRUB}',
    'customization: {secureboot: {enrollKeys: force, includeWellKnownCertificates: on}, diskImage: {sectorSize: 4096}}',
    'customization:\n  embeddedMachineConfiguration: |\n    machine:\n      type: worker\n\n  extraKernelArgs: [-a]',
]


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '0')


def _client(fleet) -> FactoryClient:
    return FactoryClient(fleet.factory_url, ca_path=fleet.factory_ca)


def _run(tmp_path, playbook, **extra):
    out = tmp_path / ('%s.json' % playbook)
    run = ansible_playbook('%s.yml' % playbook, dict(extra, out=str(out)))
    assert run.rc == 0, run.output
    return json.loads(out.read_text())


@pytest.mark.parametrize('text', SCHEMATICS)
def test_local_id_is_the_factory_id(fleet, text):
    local = schematics.schematic_id(schematics.load(text))
    answer = _client(fleet).create_schematic(text)
    assert answer['id'] == local
    assert answer['schematic'] == schematics.marshal(schematics.load(text))


@pytest.mark.parametrize('case', VECTOR_CASES, ids=[case['id'] for case in VECTOR_CASES])
def test_the_factory_gives_upstream_ids(fleet, case):
    with open(vectors.path(case['inputs']['schematic']), encoding='utf-8') as f:
        assert fleet.post_schematic(f.read()) == case['expected']['id']


def test_schematic_is_created_once(fleet, tmp_path):
    args = {'factory_url': fleet.factory_url, 'ca_path': fleet.factory_ca,
            'schematic': {'customization': {'extraKernelArgs': ['created-once']}}}
    local = schematics.schematic_id(schematics.load(args['schematic']))
    assert fleet.factory('GET', '/schematics/%s' % local)[0] == 404
    first = _run(tmp_path, 'image_factory_schematic', **args)
    assert first['changed'] is True and first['created'] is True and first['id'] == local, first
    status, _type, body = fleet.factory('GET', '/schematics/%s' % local)
    assert status == 200 and body.decode() == first['schematic']
    again = _run(tmp_path, 'image_factory_schematic', **args)
    assert again['changed'] is False and again['created'] is False and again['id'] == local, again


def test_check_mode_sends_nothing(fleet, tmp_path):
    text = 'customization: {extraKernelArgs: [check-mode-only]}'
    result = _run(tmp_path, 'image_factory_schematic', check=True, factory_url=fleet.factory_url,
                  ca_path=fleet.factory_ca, schematic=text)
    assert result['changed'] is False and result['created'] is None, result
    assert result['id'] == schematics.schematic_id(schematics.load(text))
    assert fleet.factory('GET', '/schematics/%s' % result['id'])[0] == 404


def test_unknown_field_fails_naming_it(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_schematic', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  schematic={'customization': {'systemExtension': {'officialExtensions': ['a']}}})
    assert result['failed'] is True
    assert result['msg'].startswith("schematic: customization.systemExtension: unknown field 'systemExtension'")


def test_factory_refusal_names_url_and_message(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_schematic', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  schematic='owner: someone')
    assert result['failed'] is True and result['status'] == 400, result
    assert result['msg'] == 'Image Factory POST %s/schematics answered 400: owner field is only supported in ' \
        'Enterprise edition' % fleet.factory_url


def test_an_untrusted_certificate_is_refused(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_schematic', factory_url=fleet.factory_url, schematic='{}')
    assert result['failed'] is True and result['status'] is None
    assert result['msg'].startswith('cannot reach the Image Factory at %s/schematics/%s: ' % (
        fleet.factory_url, schematics.EMPTY_ID))
    assert 'certificate' in result['msg'].lower()


def test_versions_and_catalogue(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_info', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  talos_version='1.14.2')
    assert result['changed'] is False
    assert {'v1.12.0', 'v1.13.9', 'v1.14.3', 'v1.15.0'} <= set(result['versions'])
    names = {item['name'] for item in result['extensions']}
    assert {'siderolabs/iscsi-tools', 'siderolabs/util-linux-tools', 'siderolabs/qemu-guest-agent'} <= names
    assert 'rpi_generic' in {item['name'] for item in result['overlays']}
    assert 'schematic' not in result and 'urls' not in result


@pytest.mark.parametrize('platform, secureboot', [('metal', False), ('metal', True), ('nocloud', True)])
def test_urls_of_a_schematic_are_served(fleet, tmp_path, platform, secureboot):
    schematic_id = fleet.post_schematic(json.dumps(ISCSI))
    result = _run(tmp_path, 'image_factory_info', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  talos_version='v1.14.2', schematic_id=schematic_id, platform=platform, secureboot=secureboot)
    flavour = '-secureboot' if secureboot else ''
    host = fleet.factory_url.split('://', 1)[1]
    urls = result['urls']
    assert urls['installer'] == '%s/%s-installer%s/%s:v1.14.2' % (host, platform, flavour, schematic_id)
    assert urls['iso'].endswith('/image/%s/v1.14.2/%s-amd64%s.iso' % (schematic_id, platform, flavour))
    for url in (urls['iso'], urls['disk_image']):
        assert url.startswith(fleet.factory_url)
        assert fleet.factory('HEAD', url[len(fleet.factory_url):])[0] == 200, url
    assert result['schematic'] == schematics.marshal(schematics.load(ISCSI))


def test_unknown_schematic_fails(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_info', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  talos_version='v1.14.2', schematic_id='f' * 64)
    assert result['failed'] is True and result['status'] == 404
    assert result['msg'].startswith('schematic_id: the Image Factory at %s does not know schematic %s' % (
        fleet.factory_url, 'f' * 64))


def test_secureboot_on_a_platform_without_it_fails(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_info', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  talos_version='v1.14.2', schematic_id=schematics.EMPTY_ID, platform='aws', secureboot=True)
    assert result['failed'] is True and result['msg'].startswith('secureboot: platform aws has no SecureBoot')


def test_unknown_version_names_url_and_message(fleet, tmp_path):
    result = _run(tmp_path, 'image_factory_info', factory_url=fleet.factory_url, ca_path=fleet.factory_ca,
                  talos_version='v1.99.0')
    assert result['failed'] is True and result['status'] == 404
    assert result['msg'] == 'Image Factory GET %s/version/v1.99.0/extensions/official answered 404: version ' \
        '1.99.0 is not available' % fleet.factory_url
