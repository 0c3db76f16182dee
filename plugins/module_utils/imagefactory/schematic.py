# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A schematic as the Image Factory reads, writes and identifies it.

The model follows siderolabs/image-factory ``pkg/schematic/schematic.go`` @ 26b95ca: ``Unmarshal`` decodes
strictly (a field the factory does not know is an error), ``Marshal`` writes the struct with go-yaml (fields
in declaration order, ``omitempty`` fields left out when zero, ``customization`` always written), and ``ID`` is
the hex SHA-256 of those bytes. Two schematics with the same meaning have the same ID however they are written.

Private module: free to change between releases.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.imagefactory.go_types import (
    HAS_YAML, Bool, DecodeError, Field, Slice, String, StringMap, Struct, TextEnum, Unsigned)
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder

if HAS_YAML:
    import yaml

# imageropts.BootloaderKind (siderolabs/talos pkg/machinery/imager/imageropts @ v1.14.0-rc.1), by its text names.
_BOOTLOADER = TextEnum(('none', 'dual-boot', 'sd-boot', 'grub'))

SCHEMATIC = Struct('Schematic', (
    Field('owner', String()),
    Field('overlay', Struct('Overlay', (
        Field('image', String(), omitempty=False),
        Field('name', String(), omitempty=False),
        Field('options', StringMap()),
    ))),
    Field('customization', Struct('Customization', (
        Field('embeddedMachineConfiguration', String()),
        Field('extraKernelArgs', Slice(String())),
        Field('meta', Slice(Struct('MetaValue', (
            Field('key', Unsigned(8), omitempty=False),
            Field('value', String(), omitempty=False),
        )))),
        Field('systemExtensions', Struct('SystemExtensions', (
            Field('officialExtensions', Slice(String())),
        ))),
        Field('bootloader', _BOOTLOADER),
        Field('secureboot', Struct('SecureBootCustomization', (
            Field('enrollKeys', String()),
            Field('includeWellKnownCertificates', Bool()),
        ))),
        Field('diskImage', Struct('DiskImageCustomization', (
            Field('sectorSize', Unsigned(64)),
        ))),
    )), omitempty=False),
))

# The ID of the schematic without any customization (schematic_test.go TestID 'empty').
EMPTY_ID = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'


class SchematicError(DecodeError):
    """A schematic the factory would refuse to read."""


def _yaml_text(value: Any, option: str) -> str:
    """The schematic as YAML text: a mapping from a task is written as go-yaml would write it, then read back."""
    if isinstance(value, dict):
        return encoder.dump(value)
    if isinstance(value, str):
        return value
    raise SchematicError('%s must be a mapping or YAML text, not %s' % (option, type(value).__name__))


def load(value: Any, option: str = 'schematic') -> dict:
    """Decode a schematic (a mapping, or YAML text as POSTed to the factory) strictly; errors name ``option``."""
    text = _yaml_text(value, option)
    try:
        node = next(iter(yaml.compose_all(text, Loader=yaml.SafeLoader)), None)
    except yaml.YAMLError as exc:
        raise SchematicError('%s is not valid YAML: %s' % (option, exc)) from None
    if node is None:
        raise SchematicError('%s is empty (write {} for a schematic without customization)' % option)
    try:
        return SCHEMATIC.decode(node, '')
    except DecodeError as exc:
        raise SchematicError('%s: %s' % (option, exc.message)) from None


def marshal(schematic: dict) -> str:
    """The canonical text: the bytes the factory hashes and stores."""
    return encoder.dump(SCHEMATIC.encode(schematic))


def schematic_id(schematic: dict) -> str:
    return hashlib.sha256(marshal(schematic).encode('utf-8')).hexdigest()
