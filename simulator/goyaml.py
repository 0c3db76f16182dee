# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML written the way Talos's Go code writes it (go-yaml ``Marshal`` defaults).

COSI fills ``Spec.yaml_spec`` with go-yaml's output and clients may compare it byte for byte, so
this follows go-yaml's choices rather than PyYAML's: 4-space indentation, sequences indented under
their key, strings plain when possible, double quotes when a plain string would read as another
type (``"true"``, ``""``), single quotes when the text itself can't be plain (``'{.stage}'``),
literal blocks for multi-line strings, struct field order kept, map keys sorted.
"""

from __future__ import annotations

import json
import re
from typing import Any

INDENT = 4

# Strings that YAML would resolve to a non-string (or that YAML 1.1 reads as bool): quoted with ".
_OTHER_TYPES = re.compile(
    r'''^(?:
        ~|null|Null|NULL
      | true|True|TRUE|false|False|FALSE
      | y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF
      | [-+]?[0-9]+
      | 0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+
      | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
      | [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt\s].*)?
      | <<
    )$''', re.X)
_INDICATORS = set('-?:,[]{}#&*!|>\'"%@`')
_FLOW_INDICATORS = set(',[]{}')


def _plain_allowed(s: str) -> bool:
    """libyaml's analysis for a block-context plain scalar (close enough for our values)."""
    if s[0] in _INDICATORS:
        # '-', '?' and ':' may start a plain scalar when followed by a non-space character.
        if not (s[0] in '-?:' and len(s) > 1 and s[1] not in ' \t'):
            return False
    if s[0] in ' \t' or s[-1] in ' \t' or s.endswith(':'):
        return False
    if ': ' in s or ' #' in s or '\t' in s:
        return False
    return all(ch.isprintable() for ch in s)


def _scalar(value: Any) -> str:
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    s = str(value)
    if s == '' or _OTHER_TYPES.match(s):
        return json.dumps(s, ensure_ascii=False)
    if _plain_allowed(s):
        return s
    return "'" + s.replace("'", "''") + "'"


def _child_indent(indent: int) -> int:
    # go-yaml rounds nested indentation up to the next multiple of the indent width.
    return INDENT * ((indent + INDENT) // INDENT)


def _literal(s: str, indent: int) -> list[str]:
    """A ``|`` block: header hints (indentation, chomping) like libyaml, then the lines."""
    header = '|'
    if s[0] in ' \n':
        header += str(INDENT)
    if not s.endswith('\n'):
        header += '-'
    elif s.endswith('\n\n') or s == '\n':
        header += '+'
    body = s[:-1] if s.endswith('\n') else s
    return [header] + [(' ' * indent + line) if line else '' for line in body.split('\n')]


def _is_multiline(value: Any) -> bool:
    return isinstance(value, str) and '\n' in value and value.strip() != ''


def _emit(value: Any, indent: int, out: list[str], prefix: str) -> None:
    """Append ``value`` whose first line starts with ``prefix`` (already indented) to ``out``."""
    if isinstance(value, dict) and value:
        first = True
        for key, item in value.items():
            lead = prefix if first else ' ' * indent
            first = False
            _emit_entry(_scalar(key) + ':', item, indent, out, lead)
    elif isinstance(value, (list, tuple)) and value:
        first = True
        for item in value:
            lead = prefix if first else ' ' * indent
            first = False
            _emit_item(item, indent, out, lead + '- ')
    elif isinstance(value, dict):
        out.append(prefix + '{}')
    elif isinstance(value, (list, tuple)):
        out.append(prefix + '[]')
    elif _is_multiline(value):
        lines = _literal(value, _child_indent(indent) if prefix.strip() else max(indent, INDENT))
        out.append(prefix + lines[0])
        out.extend(lines[1:])
    else:
        out.append(prefix + _scalar(value))


def _emit_entry(key: str, item: Any, indent: int, out: list[str], lead: str) -> None:
    if isinstance(item, (dict, list, tuple)) and item:
        out.append(lead + key)
        child = _child_indent(indent)
        _emit(item, child, out, ' ' * child)
    elif _is_multiline(item):
        lines = _literal(item, _child_indent(indent))
        out.append(lead + key + ' ' + lines[0])
        out.extend(lines[1:])
    else:
        _emit(item, indent, out, lead + key + ' ')


def _emit_item(item: Any, indent: int, out: list[str], lead: str) -> None:
    inner = indent + 2  # content of a sequence item starts right after "- "
    if isinstance(item, dict) and item:
        _emit(item, inner, out, lead)
    elif isinstance(item, (list, tuple)) and item:
        _emit(item, inner, out, lead)
    elif _is_multiline(item):
        lines = _literal(item, _child_indent(indent))
        out.append(lead + lines[0])
        out.extend(lines[1:])
    else:
        out.append(lead + _scalar(item))


def dumps(value: Any) -> str:
    """One YAML document, without a ``---`` marker, ending with a newline."""
    out: list[str] = []
    if _is_multiline(value):
        out.extend(_literal(value, INDENT))
    else:
        _emit(value, 0, out, '')
    return '\n'.join(out) + '\n'


def dumps_all(documents: list[Any]) -> str:
    """Several documents separated by ``---`` (the multi-document machine config form)."""
    return '---\n'.join(dumps(doc) for doc in documents)
