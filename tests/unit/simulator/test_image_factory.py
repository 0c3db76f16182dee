# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Image Factory model: schematic IDs, strict reading, installer references, the flavor's resources.

The expected IDs are siderolabs/image-factory's (pkg/schematic/schematic_test.go:TestID @ 26b95ca), with their
schematics rewritten as data.
"""

from __future__ import annotations

import json

import pytest

from simulator import installer, protoenc
from simulator.image_factory import schematic as schematics
from simulator.image_factory.factory import FACTORY
from simulator.image_resources import image_factory_schematic, security_state
from simulator.versions import parse

TEST_ID_VECTORS = (
    ({}, '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'),
    ({'customization': {'extraKernelArgs': ['noapic', 'nolapic']}},
     '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c'),
    ({'customization': {'meta': [{'key': 10, 'value': 'foo'}]}},
     'd308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f'),
    ({'customization': {'secureboot': {'includeWellKnownCertificates': True}}},
     'fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6'),
    ({'customization': {'diskImage': {'sectorSize': 4096}}},
     '92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea'),
)


@pytest.mark.parametrize('document,expected', TEST_ID_VECTORS)
def test_ids_match_the_factorys_vectors(document, expected):
    assert schematics.schematic_id(schematics.parse(json.dumps(document))) == expected


def test_marshal_keeps_struct_order_and_drops_zero_fields():
    text = ('customization:\n  systemExtensions: {officialExtensions: [b, a]}\n  extraKernelArgs: [x]\n'
            '  bootloader: none\noverlay: {name: rpi_generic, image: img, options: {z: 1, a: 2}}\n')
    assert schematics.marshal(schematics.parse(text)) == (
        'overlay:\n    image: img\n    name: rpi_generic\n    options:\n        a: 2\n        z: 1\n'
        'customization:\n    extraKernelArgs:\n        - x\n    systemExtensions:\n        officialExtensions:\n'
        '            - b\n            - a\n')


@pytest.mark.parametrize('text,wording', (
    ('nope: 1', 'field nope not found in type schematic.Schematic'),
    ('customization: {meta: [{key: 300, value: x}]}', 'into uint8'),
    ('customization: {bootloader: lilo}', 'lilo does not belong to BootloaderKind values'),
    ('owner: alice', 'owner field is only supported in Enterprise edition'),
    ('customization: [', 'yaml:'),
))
def test_invalid_schematics(text, wording):
    with pytest.raises(schematics.InvalidSchematic, match=wording):
        schematics.parse(text)


def test_installer_references_need_a_known_schematic_and_release():
    custom = FACTORY.add(schematics.parse('customization: {extraKernelArgs: [unit-test]}'))
    image = installer.resolve('factory.talos.dev/aws-installer-secureboot/%s:v1.14.2' % custom)
    assert (image.schematic, image.platform, image.secureboot, image.version.tag) == (custom, 'aws', True, 'v1.14.2')
    image = installer.resolve('factory.talos.dev/installer/%s:v1.12.0' % schematics.EMPTY_ID)
    assert (image.platform, image.secureboot) == ('metal', False)
    for reference in ('factory.talos.dev/metal-installer/%s:v1.14.2' % ('0' * 64),
                      'factory.talos.dev/metal-installer/%s:v1.14.4' % custom,
                      'factory.talos.dev/mars-installer/%s:v1.14.2' % custom,
                      'factory.talos.dev/metal-imager/%s:v1.14.2' % custom,
                      'ghcr.io/siderolabs/installer:v1.14.0'):
        with pytest.raises(installer.ImageNotFound):
            installer.resolve(reference)


def test_boot_images():
    plain = installer.boot_image(parse('v1.13.2'), None, 'metal', False)
    assert plain.reference == 'ghcr.io/siderolabs/installer:v1.13.2'
    image = installer.boot_image(parse('v1.13.2'), None, 'metal', True)
    assert image.reference == 'factory.talos.dev/metal-installer-secureboot/%s:v1.13.2' % schematics.EMPTY_ID
    assert image_factory_schematic(image) is None  # the resource is new in 1.14
    image = installer.boot_image(parse('v1.14.0'), None, 'gcp', False)
    assert image_factory_schematic(image)[0] == {'schematicId': schematics.EMPTY_ID, 'flavor': 'Image Factory',
                                                 'apiUrl': 'https://factory.talos.dev'}


@pytest.mark.parametrize('firmware,flavor,expected', (
    (True, True, {'secureBoot': True, 'bootedWithUKI': True}),
    (True, False, {'secureBoot': False}),  # the wrong flavor boots, without SecureBoot
    (False, True, {'secureBoot': False, 'bootedWithUKI': True}),
    (False, False, {'secureBoot': False}),
))
def test_security_state_follows_firmware_and_flavor(firmware, flavor, expected):
    image = installer.factory_image(parse('v1.14.1'), schematics.EMPTY_ID, secureboot=flavor)
    assert security_state(image, firmware)[0] == expected


def test_protoenc_leaves_zero_values_out():
    assert protoenc.encode([(2, 'ab'), (1, True), (3, ''), (4, False), (5, [(1, 'x')])]) == (
        b'\x08\x01\x12\x02ab\x2a\x03\x0a\x01x')
