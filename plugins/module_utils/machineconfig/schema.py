# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed view of the machine-config schema: what each field is, so values decode, encode and merge as Go's do.

A document value is held as plain Python data in "Go model" form: a struct is a dict holding only
the fields that are set (non-pointer fields only when non-zero, pointer fields whenever non-nil),
lists and maps as such, scalars as str/int/bool. Encoding walks the schema to restore field order,
omitempty and the zero values Go writes for fields without omitempty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder, schema_data
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import ConfigError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import go_duration

# Types that marshal themselves as scalars (or free-form values): kept as decoded.
OPAQUE = {'meta.URL', 'meta.Prefix', 'meta.Addr', 'meta.AddrPort', 'v1alpha1.Endpoint', 'cel.Expression',
          'v1alpha1.Base64Bytes', 'meta.ArgValue', 'block.Size', 'block.ByteSize', 'block.PercentageSize',
          'v1alpha1.DiskSize', 'v1alpha1.InstallDiskSizeMatcher', 'v1alpha1.FileMode', 'runtime.EtcFileMode',
          'network.PortRange', 'machine.Type', 'os.FileMode'}
FREE = {'meta.Unstructured', 'any', 'interface{}'}
EXTERNAL_STRUCTS = {
    'x509.PEMEncodedCertificateAndKey': [('crt', 'string', ''), ('key', 'string', '')],
    'x509.PEMEncodedCertificate': [('crt', 'string', '')],
    'x509.PEMEncodedKey': [('key', 'string', '')],
}
INT_TYPES = {'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr'}
# Lists merged item by item on an identifying field instead of appended (upstream's Merge methods).
KEYED_LISTS = {
    'v1alpha1.NetworkDeviceList': ('interface', 'deviceSelector'),
    'v1alpha1.VlanList': ('vlanId',),
    'v1alpha1.AdmissionPluginConfigList': ('name',),
    'extensions.ConfigFileList': ('mountPath',),
}
REPLACE_BY_KEY = {'security.ImageVerificationRules': 'imagePattern'}
# Leading characters upstream strips from inline manifest contents on load.
_MANIFEST_STRIP = '\t\n\v\f\r'


@dataclass
class Field:
    name: str
    type: 'Type'
    omitempty: bool
    replace: bool


@dataclass
class Type:
    kind: str  # struct, ptr, slice, map, string, bool, int, float, duration, opaque, free
    name: str = ''
    elem: 'Type | None' = None
    fields: list[Field] = dataclass_field(default_factory=list)
    inline_free: bool = False  # a struct with an inline map: unknown keys go there

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


_CACHE: dict[str, Type] = {}


def resolve(expr: str) -> Type:
    """The Type for a Go type expression as schema_data writes it."""
    if expr in _CACHE:
        return _CACHE[expr]
    typ = Type('opaque', name=expr)
    _CACHE[expr] = typ  # placeholder for recursive types
    if expr.startswith('*'):
        typ.kind, typ.elem = 'ptr', resolve(expr[1:])
    elif expr == '[]byte' or expr == '[]uint8':
        typ.kind = 'string'
    elif expr.startswith('[]'):
        typ.kind, typ.elem = 'slice', resolve(expr[2:])
    elif expr.startswith('map['):
        typ.kind, typ.elem = 'map', resolve(expr[expr.index(']') + 1:])
    elif expr in FREE or expr.startswith('map[string]any'):
        typ.kind = 'free'
    elif expr == 'string':
        typ.kind = 'string'
    elif expr == 'bool':
        typ.kind = 'bool'
    elif expr in INT_TYPES:
        typ.kind = 'int'
    elif expr in ('float32', 'float64'):
        typ.kind = 'float'
    elif expr == 'time.Duration':
        typ.kind = 'duration'
    elif expr in OPAQUE or expr in schema_data.CUSTOM:
        typ.kind = 'opaque'
    elif expr in EXTERNAL_STRUCTS:
        typ.kind = 'struct'
        typ.fields = [Field(n, resolve(t), 'o' in f, 'r' in f) for n, t, f in EXTERNAL_STRUCTS[expr]]
    elif expr in schema_data.TYPES:
        what, spec = schema_data.TYPES[expr]
        if what == 'alias':
            base = resolve(spec)
            typ.kind, typ.elem, typ.fields = base.kind, base.elem, base.fields
        else:
            typ.kind = 'struct'
            _struct_fields(typ, spec)
    else:
        typ.kind = 'opaque'  # enums and other scalars defined outside the schema packages
    return typ


def _struct_fields(typ: Type, spec: list) -> None:
    for name, texpr, flags in spec:
        if 'i' in flags:
            inner = resolve(texpr)
            if inner.kind == 'struct':
                typ.fields.extend(inner.fields)
                typ.inline_free = typ.inline_free or inner.inline_free
            else:
                typ.inline_free = True
            continue
        typ.fields.append(Field(name, resolve(texpr), 'o' in flags, 'r' in flags))


def document_type(kind: str) -> Type | None:
    root = schema_data.KINDS.get(kind)
    return resolve('*' + root).elem if root else None


# ---------------------------------------------------------------- decoding from composed YAML nodes

def _err(path: list[str], msg: str) -> ConfigError:
    where = '.'.join(path) if path else '(document root)'
    return ConfigError('%s: %s' % (where, msg))


def is_null(node) -> bool:
    return node.tag == 'tag:yaml.org,2002:null' or (
        node.id == 'scalar' and node.style is None and node.value in ('', '~', 'null', 'Null', 'NULL'))


def free_value(node) -> Any:
    """A node as Go's yaml decodes it into ``any`` (YAML 1.2 core resolution)."""
    if node.id == 'mapping':
        result = {}
        for key, value in node.value:
            result[str(free_value(key))] = free_value(value)
        return result
    if node.id == 'sequence':
        return [free_value(item) for item in node.value]
    if node.style is not None and node.style != '':
        return node.value
    if node.tag.endswith(':str') and node.tag != 'tag:yaml.org,2002:str':
        return node.value
    return plain_scalar(node.value)


def plain_scalar(text: str) -> Any:
    if text in ('', '~', 'null', 'Null', 'NULL'):
        return None
    if text in ('true', 'True', 'TRUE'):
        return True
    if text in ('false', 'False', 'FALSE'):
        return False
    if re.match(r'^[-+]?(0|[1-9][0-9_]*)$', text):
        return int(text.replace('_', ''))
    if re.match(r'^0x[0-9a-fA-F_]+$', text):
        return int(text[2:].replace('_', ''), 16)
    if re.match(r'^0o[0-7_]+$', text):
        return int(text[2:].replace('_', ''), 8)
    if re.match(r'^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$', text):
        return float(text)
    return text


def decode(node, typ: Type, path: list[str]) -> Any:
    """Convert a composed YAML node into the Go model of ``typ``; None means nil/unset."""
    if is_null(node) and typ.kind not in ('string',):
        return None
    kind = typ.kind
    if kind == 'ptr':
        value = decode(node, typ.elem, path)
        if value is None and typ.elem.kind not in ('struct',):
            return None
        return {} if value is None else value
    if kind == 'struct':
        return _decode_struct(node, typ, path)
    if kind == 'slice':
        if node.id != 'sequence':
            raise _err(path, 'expected a list, got %s' % _describe(node))
        return [decode(item, typ.elem, path + ['[%d]' % i]) for i, item in enumerate(node.value)]
    if kind == 'map':
        if node.id != 'mapping':
            raise _err(path, 'expected a mapping, got %s' % _describe(node))
        result = {}
        for key, value in node.value:
            result[str(free_value(key))] = decode(value, typ.elem, path + [str(key.value)])
        return result
    if kind == 'free':
        return free_value(node)
    if node.id != 'scalar':
        if kind == 'opaque':
            return free_value(node)
        raise _err(path, 'expected a scalar, got %s' % _describe(node))
    return _decode_scalar(node, kind, path)


def _decode_scalar(node, kind: str, path: list[str]) -> Any:
    text = node.value
    if kind in ('string', 'opaque'):
        if kind == 'opaque' and not node.style:
            value = plain_scalar(text)
            return text if value is None else value
        return text if kind == 'string' or node.style else text
    if kind == 'bool':
        value = plain_scalar(text) if not node.style else text
        if not isinstance(value, bool):
            raise _err(path, 'cannot unmarshal %r into a boolean' % text)
        return value
    if kind == 'int':
        value = plain_scalar(text) if not node.style else text
        if not isinstance(value, int) or isinstance(value, bool):
            raise _err(path, 'cannot unmarshal %r into an integer' % text)
        return value
    if kind == 'float':
        try:
            return float(text)
        except ValueError:
            raise _err(path, 'cannot unmarshal %r into a number' % text) from None
    if kind == 'duration':
        value = plain_scalar(text) if not node.style else text
        if isinstance(value, int) and not isinstance(value, bool):
            return go_duration.format_duration(value)
        try:
            return go_duration.format_duration(go_duration.parse_duration(str(text)))
        except ValueError:
            raise _err(path, 'invalid duration %r' % text) from None
    return text


def _describe(node) -> str:
    return {'mapping': 'a mapping', 'sequence': 'a list'}.get(node.id, 'the scalar %r' % getattr(node, 'value', ''))


def _decode_struct(node, typ: Type, path: list[str]) -> dict:
    if node.id != 'mapping':
        raise _err(path, 'expected a mapping, got %s' % _describe(node))
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        fld = typ.field(key)
        if fld is None:
            if typ.inline_free:
                result[key] = free_value(value_node)
                continue
            raise _err(path + [key], 'unknown field %r' % key)
        if key in result:
            raise _err(path + [key], 'field %r given twice' % key)
        value = decode(value_node, fld.type, path + [key])
        if typ.name == 'v1alpha1.ClusterInlineManifest' and key == 'contents' and isinstance(value, str):
            value = value.lstrip(_MANIFEST_STRIP)
        if not is_unset(value, fld.type):
            result[key] = value
    return result


def is_unset(value: Any, typ: Type) -> bool:
    """Whether a struct field holding ``value`` is Go's zero value (so the model leaves it out)."""
    if value is None:
        return True
    if typ.kind == 'ptr':
        return False
    return is_zero(value, typ)


def is_zero(value: Any, typ: Type) -> bool:
    """go-yaml's omitempty test."""
    if value is None:
        return True
    if typ.kind == 'ptr':
        return False
    if isinstance(value, (dict, list, str)):
        return len(value) == 0
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value == 0
    return False


# ---------------------------------------------------------------- encoding to ordered plain data

def zero_plain(typ: Type) -> Any:
    kind = typ.kind
    if kind == 'ptr':
        return None
    if kind == 'slice':
        return []
    if kind in ('map', 'free'):
        return {}
    if kind == 'struct':
        return to_plain({}, typ)
    if kind == 'bool':
        return False
    if kind in ('int', 'float'):
        return 0
    if kind == 'duration':
        return '0s'
    return ''


def sorted_free(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted_free(value[k]) for k in sorted(value, key=go_key)}
    if isinstance(value, list):
        return [sorted_free(v) for v in value]
    return value


def go_key(key: Any) -> Any:
    """Sort key giving go-yaml's order of map keys."""
    return encoder.key_order(key)


def to_plain(value: Any, typ: Type) -> Any:
    """The Go model of ``typ`` as ordered plain data for the encoder."""
    kind = typ.kind
    if value is None:
        return zero_plain(typ)
    if kind == 'ptr':
        return to_plain(value, typ.elem)
    if kind == 'struct':
        out: dict[str, Any] = {}
        for fld in typ.fields:
            if fld.name not in value:
                if not fld.omitempty:
                    out[fld.name] = zero_plain(fld.type)
                continue
            item = value[fld.name]
            if fld.omitempty and is_zero(item, fld.type):
                continue
            out[fld.name] = to_plain(item, fld.type)
        if typ.inline_free:
            for key in sorted((k for k in value if typ.field(k) is None), key=go_key):
                out[key] = sorted_free(value[key])
        return out
    if kind == 'slice':
        return [to_plain(item, typ.elem) for item in value]
    if kind == 'map':
        return {k: to_plain(value[k], typ.elem) for k in sorted(value, key=go_key)}
    if kind in ('free', 'opaque'):
        return sorted_free(value)
    return value
