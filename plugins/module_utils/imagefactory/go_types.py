# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go types decoded from YAML nodes the way go-yaml (v3/v4) fills them, with ``KnownFields(true)``.

Each type turns a composed PyYAML node into a plain Python value (``decode``), says whether a value is Go's
zero value (``is_zero``, for ``omitempty``) and gives what the Go-YAML emitter writes for it (``encode``).
Plain scalars are resolved with go-yaml's YAML 1.2 rules, not PyYAML's 1.1 ones: ``yes`` is a string,
``0o17`` an integer. A quoted scalar is always a string.

Private module: free to change between releases.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.encoder import key_order

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

_NULLS = {'', '~', 'null', 'Null', 'NULL'}
_TRUE = {'true', 'True', 'TRUE'}
_FALSE = {'false', 'False', 'FALSE'}
# go-yaml still reads YAML 1.1 booleans into a Go bool field (and only there).
_OLD_TRUE = {'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'}
_OLD_FALSE = {'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'}
_SPECIAL_FLOATS = {'.inf': float('inf'), '.Inf': float('inf'), '.INF': float('inf'),
                   '+.inf': float('inf'), '+.Inf': float('inf'), '+.INF': float('inf'),
                   '-.inf': float('-inf'), '-.Inf': float('-inf'), '-.INF': float('-inf'),
                   '.nan': float('nan'), '.NaN': float('nan'), '.NAN': float('nan')}
_FLOAT_RE = re.compile(r'^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$')
_INT_PREFIXES = {'0x': 16, '0X': 16, '0o': 8, '0O': 8, '0b': 2, '0B': 2}
_DIGITS = {2: '01', 8: '01234567', 10: '0123456789', 16: '0123456789abcdefABCDEF'}


class DecodeError(TalosError):
    """A value that does not fit the Go type it is decoded into; ``path`` names where it is."""


def _go_int(text: str) -> int | None:
    """The integer a plain scalar is (strconv.ParseInt with base 0 after removing ``_``), or None."""
    if not text or text[0] not in '0123456789+-.':
        return None
    plain = text.replace('_', '')
    sign = -1 if plain[:1] == '-' else 1
    body = plain[1:] if plain[:1] in '+-' else plain
    base = _INT_PREFIXES.get(body[:2])
    if base:
        body = body[2:]
    elif len(body) > 1 and body[0] == '0':
        base, body = 8, body[1:]  # Go's 0777 octal
    else:
        base = 10
    if not body or any(ch not in _DIGITS[base] for ch in body):
        return None
    return sign * int(body, base)


def resolve_plain(text: str) -> Any:
    """What go-yaml makes of an untagged plain scalar: None, bool, int, float or the text itself."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    number = _go_int(text)
    if number is not None:
        return number
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if text[:1] in '0123456789+-.' and _FLOAT_RE.match(text.replace('_', '')):
        return float(text.replace('_', ''))
    return text


def scalar_value(node: Any) -> Any:
    """The resolved value of a scalar node: quoted and block scalars are strings, plain ones are resolved."""
    if node.style:
        return node.value
    return resolve_plain(node.value)


def _kind(node: Any) -> str:
    if isinstance(node, yaml.MappingNode):
        return 'a mapping'
    if isinstance(node, yaml.SequenceNode):
        return 'a list'
    return repr(node.value)


def _at(path: str, message: str) -> str:
    """``message`` prefixed with where it happened (nothing at the top level)."""
    return '%s: %s' % (path, message) if path else message


def _is_null(node: Any) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value in _NULLS


class GoType:
    """A Go type: ``go_name`` is how go-yaml's errors name it."""

    go_name = ''

    def zero(self) -> Any:
        raise NotImplementedError

    def decode(self, node: Any, path: str) -> Any:
        raise NotImplementedError

    def is_zero(self, value: Any) -> bool:
        raise NotImplementedError

    def encode(self, value: Any) -> Any:
        return value

    def mismatch(self, node: Any, path: str) -> DecodeError:
        return DecodeError(_at(path, 'cannot decode %s into %s' % (_kind(node), self.go_name)))


class String(GoType):
    """A Go string: any scalar's text (a plain ``10`` is the string ``10``), null is empty."""

    go_name = 'a string'

    def zero(self) -> str:
        return ''

    def decode(self, node: Any, path: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.mismatch(node, path)
        return '' if _is_null(node) else node.value

    def is_zero(self, value: str) -> bool:
        return value == ''


class Bool(GoType):
    go_name = 'a boolean'

    def zero(self) -> bool:
        return False

    def decode(self, node: Any, path: str) -> bool:
        if not isinstance(node, yaml.ScalarNode):
            raise self.mismatch(node, path)
        value = scalar_value(node)
        if value is None or isinstance(value, bool):
            return bool(value)
        if value in _OLD_TRUE or value in _OLD_FALSE:
            return value in _OLD_TRUE
        raise self.mismatch(node, path)

    def is_zero(self, value: bool) -> bool:
        return not value


class Unsigned(GoType):
    """A Go unsigned integer of ``bits`` bits (an integral float fits too, as in go-yaml)."""

    def __init__(self, bits: int) -> None:
        self.maximum = (1 << bits) - 1
        self.go_name = 'an unsigned integer (0 to %d)' % self.maximum

    def zero(self) -> int:
        return 0

    def decode(self, node: Any, path: str) -> int:
        if not isinstance(node, yaml.ScalarNode):
            raise self.mismatch(node, path)
        value = scalar_value(node)
        if value is None:
            return 0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= self.maximum:
            raise self.mismatch(node, path)
        return value

    def is_zero(self, value: int) -> bool:
        return value == 0


class TextEnum(GoType):
    """A Go integer enum read and written as text: a name as written or in lower case; the first is zero."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.go_name = 'one of %s' % ', '.join(names)

    def zero(self) -> str:
        return self.names[0]

    def decode(self, node: Any, path: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.mismatch(node, path)
        if _is_null(node):
            return self.zero()
        for name in (node.value, node.value.lower()):
            if name in self.names:
                return name
        raise self.mismatch(node, path)

    def is_zero(self, value: str) -> bool:
        return value == self.zero()


class Slice(GoType):
    """A Go slice; null is the nil slice."""

    go_name = 'a list'

    def __init__(self, item: GoType) -> None:
        self.item = item

    def zero(self) -> list:
        return []

    def decode(self, node: Any, path: str) -> list:
        if _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.mismatch(node, path)
        return [self.item.decode(child, '%s[%d]' % (path, i)) for i, child in enumerate(node.value)]

    def is_zero(self, value: list) -> bool:
        return not value

    def encode(self, value: list) -> list:
        return [self.item.encode(item) for item in value]


def _mapping_pairs(node: Any, path: str, key_of: Any) -> list[tuple[Any, Any]]:
    """(key, value node) pairs of a mapping, keys as ``key_of(key node)``; a repeated key is an error, as in go-yaml."""
    pairs, seen = [], set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise DecodeError(_at(path, 'a mapping key must be a scalar'))
        key = key_of(key_node)
        if key in seen:
            raise DecodeError(_at(path, 'key %r is given twice' % key))
        seen.add(key)
        pairs.append((key, value_node))
    return pairs


def _sorted_map(value: dict, encode_value: Any) -> dict:
    """A free-form map as go-yaml writes it: keys in its sort order."""
    return {key: encode_value(value[key]) for key in sorted(value, key=key_order)}


class Dynamic(GoType):
    """Go's ``any``: a mapping becomes a map, a list a slice, a scalar what go-yaml resolves it to."""

    go_name = 'any value'

    def zero(self) -> None:
        return None

    def decode(self, node: Any, path: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {key: self.decode(child, '%s.%s' % (path, key))
                    for key, child in _mapping_pairs(node, path, scalar_value)}
        if isinstance(node, yaml.SequenceNode):
            return [self.decode(child, '%s[%d]' % (path, i)) for i, child in enumerate(node.value)]
        return scalar_value(node)

    def is_zero(self, value: Any) -> bool:
        return value is None

    def encode(self, value: Any) -> Any:
        if isinstance(value, dict):
            return _sorted_map(value, self.encode)
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        return value


class StringMap(GoType):
    """A Go ``map[string]any``: keys are the text written, null is the nil map."""

    go_name = 'a mapping'

    def __init__(self) -> None:
        self.values = Dynamic()

    def zero(self) -> dict:
        return {}

    def decode(self, node: Any, path: str) -> dict:
        if _is_null(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise self.mismatch(node, path)
        return {key: self.values.decode(child, '%s.%s' % (path, key))
                for key, child in _mapping_pairs(node, path, _key_text)}

    def is_zero(self, value: dict) -> bool:
        return not value

    def encode(self, value: dict) -> dict:
        return _sorted_map(value, self.values.encode)


def _key_text(node: Any) -> str:
    return node.value


class Field:
    """A struct field: its YAML key, Go type and whether it carries ``omitempty``."""

    def __init__(self, key: str, go_type: GoType, omitempty: bool = True) -> None:
        self.key = key
        self.go_type = go_type
        self.omitempty = omitempty


class Struct(GoType):
    """A Go struct decoded strictly: a key that is not one of its fields is an error naming it."""

    def __init__(self, go_name: str, fields: tuple[Field, ...]) -> None:
        self.go_name = go_name
        self.fields = fields

    def zero(self) -> dict:
        return {field.key: field.go_type.zero() for field in self.fields}

    def decode(self, node: Any, path: str) -> dict:
        value = self.zero()
        if _is_null(node):
            return value
        if not isinstance(node, yaml.MappingNode):
            raise self.mismatch(node, path)
        by_key = {field.key: field for field in self.fields}
        for key, child in _mapping_pairs(node, path, _key_text):
            where = '%s.%s' % (path, key) if path else key
            if key not in by_key:
                raise DecodeError('%s: unknown field %r (%s has only %s)' % (
                    where, key, self.go_name, ', '.join(field.key for field in self.fields)))
            value[key] = by_key[key].go_type.decode(child, where)
        return value

    def is_zero(self, value: dict) -> bool:
        return all(field.go_type.is_zero(value[field.key]) for field in self.fields)

    def encode(self, value: dict) -> dict:
        """The struct as go-yaml marshals it: fields in declaration order, zero ``omitempty`` fields left out."""
        return {field.key: field.go_type.encode(value[field.key]) for field in self.fields
                if not (field.omitempty and field.go_type.is_zero(value[field.key]))}
