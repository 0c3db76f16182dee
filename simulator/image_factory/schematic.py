# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schematics: the factory's strict YAML reading, its canonical marshalling and the ID derived from it.

The ID is the SHA-256 of the canonical YAML (siderolabs/image-factory pkg/schematic/schematic.go:Marshal, ID
@ 26b95ca): go-yaml's output of the Schematic struct, fields in struct order, ``omitempty`` fields dropped when
zero, ``customization`` always present. Reading is strict (``KnownFields``): an unknown field is an error.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import yaml

from simulator import goyaml

# Bootloader kinds as text (pkg/machinery/imager/imageropts/bootloaderkind_enumer.go @ v1.14.0-rc.1);
# "none" is the zero value, so omitempty drops it.
BOOTLOADERS = ('none', 'dual-boot', 'sd-boot', 'grub')


class InvalidSchematic(ValueError):
    """What the factory answers 400 for (pkg/schematic InvalidErrorTag)."""


def _string(value: Any, where: str) -> str:
    if value is None:
        return ''
    if isinstance(value, (dict, list)):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal %s into %s of type string'
                               % (type(value).__name__, where))
    return value if isinstance(value, str) else yaml.safe_dump(value).split('\n')[0]


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal !!%s into []string (%s)'
                               % (type(value).__name__, where))
    return [_string(item, where) for item in value]


def _struct(value: Any, type_name: str, fields: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Decode a mapping into go's struct fields (KnownFields: unknown keys are errors); zero fields are dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal !!%s into %s'
                               % (type(value).__name__, type_name))
    unknown = [key for key in value if key not in fields]
    if unknown:
        raise InvalidSchematic('yaml: unmarshal errors:\n%s' % '\n'.join(
            '  field %s not found in type %s' % (key, type_name) for key in unknown))
    out: dict[str, Any] = {}
    for key, decode in fields.items():  # struct order is marshal order
        decoded = decode(value.get(key))
        if decoded not in ('', [], {}, 0, False, None):
            out[key] = decoded
    return out


def _meta_value(value: Any) -> dict[str, Any]:
    entry = _struct(value, 'schematic.MetaValue', {'key': _meta_key, 'value': lambda v: _string(v, 'value')})
    # Neither field is omitempty: both always marshal.
    return {'key': entry.get('key', 0), 'value': entry.get('value', '')}


def _meta_key(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal %r into uint8' % (value,))
    return value


def _meta(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal !!%s into []schematic.MetaValue'
                               % type(value).__name__)
    return [_meta_value(item) for item in value]


def _bootloader(value: Any) -> str:
    """BootloaderKindString tries the text as is, then lower-cased; it marshals back as its canonical name."""
    text = _string(value, 'bootloader')
    kind = text if text in BOOTLOADERS else text.lower()
    if text and kind not in BOOTLOADERS:
        raise InvalidSchematic('%s does not belong to BootloaderKind values' % text)
    return '' if kind in ('', 'none') else kind


def _sector_size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal %r into uint' % (value,))
    return value


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal %r into bool' % (value,))
    return value


def _options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidSchematic('yaml: unmarshal errors:\n  cannot unmarshal !!%s into map[string]interface {}'
                               % type(value).__name__)
    return {str(key): value[key] for key in sorted(value, key=str)}  # go-yaml sorts map keys


def _customization(value: Any) -> dict[str, Any]:
    return _struct(value, 'schematic.Customization', {
        'embeddedMachineConfiguration': lambda v: _string(v, 'embeddedMachineConfiguration'),
        'extraKernelArgs': lambda v: _strings(v, 'extraKernelArgs'),
        'meta': _meta,
        'systemExtensions': lambda v: _struct(v, 'schematic.SystemExtensions', {
            'officialExtensions': lambda items: _strings(items, 'officialExtensions')}),
        'bootloader': _bootloader,
        'secureboot': lambda v: _struct(v, 'schematic.SecureBootCustomization', {
            'enrollKeys': lambda item: _string(item, 'enrollKeys'), 'includeWellKnownCertificates': _flag}),
        'diskImage': lambda v: _struct(v, 'schematic.DiskImageCustomization', {'sectorSize': _sector_size}),
    })


def _overlay(value: Any) -> dict[str, Any]:
    overlay = _struct(value, 'schematic.Overlay', {
        'image': lambda v: _string(v, 'image'), 'name': lambda v: _string(v, 'name'), 'options': _options})
    if not overlay:
        return {}
    # image and name are not omitempty: once the overlay is there, both marshal.
    out = {'image': overlay.get('image', ''), 'name': overlay.get('name', '')}
    if overlay.get('options'):
        out['options'] = overlay['options']
    return out


def parse(text: str) -> dict[str, Any]:
    """The canonical schematic (plain data, marshal order) from YAML or JSON text; InvalidSchematic if the
    factory would refuse it (pkg/schematic/schematic.go:Unmarshal, Validate @ 26b95ca: ``owner`` is an
    Enterprise-only field)."""
    try:
        document = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise InvalidSchematic('yaml: %s' % str(exc).replace('\n', ' ')) from None
    schematic = _struct(document, 'schematic.Schematic', {
        'owner': lambda v: _string(v, 'owner'), 'overlay': _overlay, 'customization': _customization})
    if schematic.get('owner'):
        raise InvalidSchematic('owner field is only supported in Enterprise edition')
    schematic['customization'] = schematic.get('customization', {})  # not omitempty
    return schematic


def marshal(schematic: dict[str, Any]) -> str:
    """The canonical text (go-yaml's Marshal of the struct)."""
    return goyaml.dumps(schematic)


def schematic_id(schematic: dict[str, Any]) -> str:
    return hashlib.sha256(marshal(schematic).encode()).hexdigest()


def official_extensions(schematic: dict[str, Any]) -> list[str]:
    return list(schematic.get('customization', {}).get('systemExtensions', {}).get('officialExtensions', []))


EMPTY = parse('')
EMPTY_ID = schematic_id(EMPTY)
