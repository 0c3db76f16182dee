# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schematic IDs as the Image Factory computes them: upstream's vectors, the canonical form, strict decoding."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.imagefactory import schematic as schematics
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.schematic import SchematicError
from ansible_collections.talos.linux.tests.unit import vectors

CASES = vectors.cases('image_factory')


def _read(relative: str) -> str:
    with open(vectors.path(relative), encoding='utf-8') as f:
        return f.read()


def test_the_vector_set_has_both_upstream_tests():
    operations = {case['inputs']['operation'] for case in CASES}
    assert operations == {'marshal_id', 'unmarshal_id'} and len(CASES) == 14


@pytest.mark.parametrize('case', CASES, ids=[case['id'] for case in CASES])
def test_upstream_id(case):
    loaded = schematics.load(_read(case['inputs']['schematic']))
    assert schematics.schematic_id(loaded) == case['expected']['id']


@pytest.mark.parametrize('case', [c for c in CASES if 'canonical_file' in c['expected']],
                         ids=[c['id'] for c in CASES if 'canonical_file' in c['expected']])
def test_canonical_form_is_what_upstream_hashes(case):
    canonical = _read(case['expected']['canonical_file'])
    assert schematics.marshal(schematics.load(canonical)) == canonical


def test_a_mapping_gives_the_same_id_as_its_yaml():
    mapping = {'overlay': {'name': 'rpi_generic', 'image': 'siderolabs/sbc-raspberrypi'}}
    assert schematics.schematic_id(schematics.load(mapping)) == \
        'ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9'


def test_canonical_layout():
    text = '''
customization:
  diskImage: {sectorSize: 0}
  systemExtensions: {officialExtensions: [siderolabs/iscsi-tools, siderolabs/util-linux-tools]}
  extraKernelArgs: [console=ttyS0]
  bootloader: SD-Boot
  embeddedMachineConfiguration: |
    machine:
      type: worker
overlay:
  options: {configTxt: "gpu_mem=128", a: [1, "yes", off]}
  name: rpi_generic
'''
    assert schematics.marshal(schematics.load(text)) == '''overlay:
    image: ""
    name: rpi_generic
    options:
        a:
            - 1
            - "yes"
            - "off"
        configTxt: gpu_mem=128
customization:
    embeddedMachineConfiguration: |
        machine:
          type: worker
    extraKernelArgs:
        - console=ttyS0
    systemExtensions:
        officialExtensions:
            - siderolabs/iscsi-tools
            - siderolabs/util-linux-tools
    bootloader: sd-boot
'''


@pytest.mark.parametrize('text, value', [
    ('key: 0o12', 10), ('key: 0x0a', 10), ('key: 012', 10), ('key: 1_0', 10), ('key: 10.0', 10),
])
def test_meta_keys_are_read_as_go_reads_integers(text, value):
    loaded = schematics.load('customization: {meta: [{%s, value: v}]}' % text)
    assert loaded['customization']['meta'][0]['key'] == value


def test_plain_scalars_into_strings_keep_their_text():
    loaded = schematics.load('customization: {extraKernelArgs: [yes, 0x10, 1.50, ~]}')
    assert loaded['customization']['extraKernelArgs'] == ['yes', '0x10', '1.50', '']


def test_yaml_1_1_booleans_fill_a_go_bool():
    loaded = schematics.load('customization: {secureboot: {includeWellKnownCertificates: "on"}}')
    assert loaded['customization']['secureboot']['includeWellKnownCertificates'] is True


@pytest.mark.parametrize('text, message', [
    ('customization: {systemExtensions: {officialExtension: [a]}}',
     "schematic: customization.systemExtensions.officialExtension: unknown field 'officialExtension' "
     "(SystemExtensions has only officialExtensions)"),
    ('customisation: {}', "schematic: customisation: unknown field 'customisation'"),
    ('overlay: {name: x, image: y, opts: {}}', "schematic: overlay.opts: unknown field 'opts'"),
    ('customization: {meta: [{key: 1, value: x, extra: 2}]}', "schematic: customization.meta[0].extra: unknown"),
])
def test_unknown_fields_are_named(text, message):
    with pytest.raises(SchematicError) as failed:
        schematics.load(text)
    assert str(failed.value).startswith(message)


@pytest.mark.parametrize('text, message', [
    ('customization: {meta: [{key: 256, value: x}]}',
     "schematic: customization.meta[0].key: cannot decode '256' into an unsigned integer (0 to 255)"),
    ('customization: {meta: [{key: "10", value: x}]}', "customization.meta[0].key: cannot decode '10'"),
    ('customization: {extraKernelArgs: noapic}', "customization.extraKernelArgs: cannot decode 'noapic' into a list"),
    ('customization: {bootloader: lilo}', "cannot decode 'lilo' into one of none, dual-boot, sd-boot, grub"),
    ('customization: {secureboot: {includeWellKnownCertificates: maybe}}', 'into a boolean'),
    ('customization: {diskImage: {sectorSize: -1}}', 'customization.diskImage.sectorSize: cannot decode'),
    ('[]', 'schematic: cannot decode a list into Schematic'),
    ('customization: {}\ncustomization: {}', "schematic: key 'customization' is given twice"),
    ('', 'schematic is empty'),
    ('customization: [', 'schematic is not valid YAML'),
])
def test_values_that_do_not_fit_are_refused(text, message):
    with pytest.raises(SchematicError) as failed:
        schematics.load(text)
    assert message in str(failed.value)


def test_an_option_name_is_used_in_errors():
    with pytest.raises(SchematicError, match='^spec: owners: unknown field'):
        schematics.load({'owners': 'me'}, option='spec')
    with pytest.raises(SchematicError, match='^spec must be a mapping or YAML text, not list'):
        schematics.load(['a'], option='spec')
