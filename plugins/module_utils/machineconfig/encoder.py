# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A YAML emitter producing the bytes Go's yaml (v3/v4) writes for plain data, so output matches talosctl.

Mappings are written in the order of the Python dict (callers order them: schema order for Talos
types, sorted keys for free-form maps); there is no line folding; sequences are indented inside
their parent mapping; block levels follow go-yaml's indentation rule (next multiple of the indent,
except the first level inside a sequence item, which sits at dash + 2).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

# Scalars that a YAML 1.1 reader would take for a bool; go-yaml quotes them for compatibility.
_OLD_BOOLS = {'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF'}
_NULLS = {'', '~', 'null', 'Null', 'NULL'}
_BOOLS = {'true', 'True', 'TRUE', 'false', 'False', 'FALSE'}
_FLOAT_RE = re.compile(r'^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$')
_INT_RE = re.compile(r'^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$')
_SPECIAL_FLOATS = {'.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN'}
_BASE60_RE = re.compile(r'^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$')
_INDICATORS = set('-?:,[]{}#&*!|>\'"%@`')


def _digit_run(text: str, start: int) -> tuple[int, int]:
    """(end, value) of the run of decimal digits starting at ``start``."""
    end, value = start, 0
    while end < len(text) and text[end].isdecimal():
        value = value * 10 + ord(text[end]) - 48
        end += 1
    return end, value


def _string_less(left: str, right: str) -> bool:
    """go-yaml's order of two string keys: digit runs compare as numbers, a non-letter sorts before a letter."""
    after_digit = False
    for i in range(min(len(left), len(right))):
        lc, rc = left[i], right[i]
        if lc == rc:
            after_digit = lc.isdecimal()
            continue
        l_letter, r_letter = lc.isalpha(), rc.isalpha()
        if l_letter and r_letter:
            return lc < rc
        if l_letter or r_letter:
            return l_letter if after_digit else r_letter
        seed = 0
        if lc == '0' or rc == '0':
            j = i - 1
            while j >= 0 and left[j].isdecimal():
                if left[j] != '0':
                    seed = 1
                    break
                j -= 1
        l_end, l_num = _digit_run(left, i)
        r_end, r_num = _digit_run(right, i)
        if seed:
            l_num = int('1' + left[i:l_end]) if l_end > i else 1
            r_num = int('1' + right[i:r_end]) if r_end > i else 1
        if l_num != r_num:
            return l_num < r_num
        if l_end != r_end:
            return l_end < r_end
        return lc < rc
    return len(left) < len(right)


def _compare_keys(left: Any, right: Any) -> int:
    left_s, right_s = str(left), str(right)
    if _string_less(left_s, right_s):
        return -1
    return 1 if _string_less(right_s, left_s) else 0


# Sort key for mapping keys in the order go-yaml writes map[string]... keys.
key_order = functools.cmp_to_key(_compare_keys)


def resolves_to_non_string(value: str) -> bool:
    """Whether a plain scalar with this text would read back as something other than a string."""
    if value in _NULLS or value in _BOOLS or value in _SPECIAL_FLOATS or value == '<<':
        return True
    if _INT_RE.match(value) and not value.strip('+-').startswith('_'):
        return True
    return bool(_FLOAT_RE.match(value))


def _plain_allowed(value: str) -> bool:
    """libyaml's analysis for a plain scalar in block context."""
    if not value or value != value.strip(' ') or '\n' in value or '\t' in value[:1] + value[-1:]:
        return False
    if value[0] in _INDICATORS:
        if value[0] not in '-?:' or len(value) == 1 or value[1] in ' \t':
            return False
    if ': ' in value or ' #' in value or value.endswith(':'):
        return False
    if value.startswith('---') or value.startswith('...'):
        return False
    return all(_printable(ch) for ch in value)


def _printable(ch: str) -> bool:
    code = ord(ch)
    return (code in (0x09, 0x0A, 0x0D) or 0x20 <= code <= 0x7E or code == 0x85 or 0xA0 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD and code != 0xFEFF or 0x10000 <= code <= 0x10FFFF)


def _double_quoted(value: str) -> str:
    out = ['"']
    escapes = {'\0': '\\0', '\a': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f',
               '\r': '\\r', '\x1b': '\\e', '"': '\\"', '\\': '\\\\', '\x85': '\\N', '\xa0': '\\_',
               '\u2028': '\\L', '\u2029': '\\P'}
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif not _printable(ch) or ch == '\ufeff':
            code = ord(ch)
            out.append('\\x%02X' % code if code <= 0xFF else '\\u%04X' % code if code <= 0xFFFF else '\\U%08X' % code)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def _single_quote_allowed(value: str) -> bool:
    return all(_printable(ch) for ch in value) and '\n' not in value and value == value.strip(' ')


def scalar(value: Any) -> str:
    """The inline text of a scalar value (no block styles)."""
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    text = str(value)
    if resolves_to_non_string(text) or text in _OLD_BOOLS or _BASE60_RE.match(text):
        return _double_quoted(text)
    if _plain_allowed(text):
        return text
    if _single_quote_allowed(text):
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _float(value: float) -> str:
    if math.isnan(value):
        return '.nan'
    if math.isinf(value):
        return '.inf' if value > 0 else '-.inf'
    text = repr(value)
    if 'e' in text:
        mantissa, exp = text.split('e')
        sign = '-' if exp.startswith('-') else '+'
        text = '%se%s%02d' % (mantissa, sign, int(exp.lstrip('+-')))
    elif text.endswith('.0'):
        text = text[:-2]
    return text


def _literal_allowed(value: str) -> bool:
    lines = value.split('\n')
    if any(line != line.rstrip(' ') and line.strip(' ') for line in lines[:-1]):
        return False  # trailing spaces would not survive a literal block
    return all(_printable(ch) for ch in value)


def _literal(value: str, indent: int) -> list[str]:
    """Header indicator and body lines of a literal block scalar."""
    header = '|'
    if value[:1] in (' ', '\n'):
        header += '%d' % 4  # go-yaml always uses its best indent as the indentation indicator
    if not value.endswith('\n'):
        header += '-'
    elif value.endswith('\n\n') or value == '\n':
        header += '+'
    body = value[:-1] if value.endswith('\n') else value
    lines = [header]
    for line in body.split('\n'):
        lines.append(' ' * indent + line if line else '')
    return lines


def _next_indent(indent: int) -> int:
    return 4 * ((indent + 4) // 4)


def _is_block(value: Any) -> bool:
    return isinstance(value, (dict, list)) and len(value) > 0


def _emit_value(value: Any, indent: int, out: list[str], prefix: str) -> None:
    """Emit ``value`` whose text continues the line ``prefix``; nested blocks at ``indent``."""
    if isinstance(value, dict):
        if not value:
            out.append(prefix + '{}')
            return
        out.append(prefix.rstrip(' '))
        _emit_mapping(value, indent, out)
    elif isinstance(value, list):
        if not value:
            out.append(prefix + '[]')
            return
        out.append(prefix.rstrip(' '))
        _emit_sequence(value, indent, out)
    elif isinstance(value, str) and '\n' in value and _literal_allowed(value):
        lines = _literal(value, indent)
        out.append(prefix + lines[0])
        out.extend(lines[1:])
    else:
        out.append(prefix + scalar(value))


def _emit_mapping(mapping: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    for i, (key, value) in enumerate(mapping.items()):
        lead = first_prefix if (i == 0 and first_prefix is not None) else ' ' * indent
        _emit_value(value, _next_indent(indent), out, '%s%s: ' % (lead, scalar(key)))


def _emit_sequence(items: list, indent: int, out: list[str]) -> None:
    for item in items:
        dash = ' ' * indent + '- '
        if isinstance(item, dict) and item:
            _emit_mapping(item, indent + 2, out, first_prefix=dash)
        elif isinstance(item, list) and item:
            # a sequence directly in a sequence starts on the dash line
            sub: list[str] = []
            _emit_sequence(item, indent + 2, sub)
            out.append(dash + sub[0].lstrip(' '))
            out.extend(sub[1:])
        else:
            _emit_value(item, indent + 2, out, dash)


def dump(value: Any) -> str:
    """One YAML document (no ``---``), ending with a newline."""
    out: list[str] = []
    if isinstance(value, dict) and value:
        _emit_mapping(value, 0, out)
    elif isinstance(value, list) and value:
        _emit_sequence(value, 0, out)
    else:
        _emit_value(value, 0, out, '')
    return '\n'.join(out) + '\n'


def dump_all(documents: list[Any]) -> str:
    """Several documents separated by ``---`` lines, as the Talos config container writes them."""
    return '---\n'.join(dump(doc) for doc in documents)


def _v2_emit(value: Any, indent: int, out: list[str], prefix: str) -> None:
    if isinstance(value, dict) and value:
        out.append(prefix.rstrip(' '))
        for key in sorted(value, key=key_order):
            _v2_emit(value[key], indent + 2, out, '%s%s: ' % (' ' * indent, scalar(key)))
    elif isinstance(value, list) and value:
        out.append(prefix.rstrip(' '))
        for item in value:
            sub: list[str] = []
            _v2_emit(item, indent - 2 + 2, sub, '')
            first = sub[0].lstrip(' ') if sub[0].strip() else sub[0]
            out.append(' ' * (indent - 2) + '- ' + first)
            out.extend(sub[1:])
    else:
        _emit_value(value if not _is_block(value) else value, indent, out, prefix)


def dump_v2(value: Any) -> str:
    """YAML as the JSON-to-YAML path upstream takes after a JSON6902 patch writes it (go-yaml v2 style).

    Two-space indentation, every mapping sorted by key, sequences at their key's column.
    """
    out: list[str] = []
    if isinstance(value, dict) and value:
        for key in sorted(value, key=key_order):
            _v2_emit(value[key], 2, out, '%s: ' % scalar(key))
    else:
        _emit_value(value, 0, out, '')
    return '\n'.join(out) + '\n'


def dump_sorted_2(value: Any) -> str:
    """Two-space indented YAML with sorted keys and indented sequences (serialized merge patches)."""
    out: list[str] = []

    def emit(val: Any, indent: int, prefix: str) -> None:
        if isinstance(val, dict) and val:
            out.append(prefix.rstrip(' '))
            for key in sorted(val, key=key_order):
                emit(val[key], indent + 2, '%s%s: ' % (' ' * indent, scalar(key)))
        elif isinstance(val, list) and val:
            out.append(prefix.rstrip(' '))
            for item in val:
                emit_item(item, indent)
        else:
            _emit_value(val, indent, out, prefix)

    def emit_item(item: Any, indent: int) -> None:
        dash = ' ' * indent + '- '
        if isinstance(item, dict) and item:
            for i, key in enumerate(sorted(item, key=key_order)):
                lead = dash if i == 0 else ' ' * (indent + 2)
                emit(item[key], indent + 4, '%s%s: ' % (lead, scalar(key)))
        else:
            emit(item, indent + 2, dash)

    if isinstance(value, dict) and value:
        for key in sorted(value, key=key_order):
            emit(value[key], 2, '%s: ' % scalar(key))
    else:
        emit(value, 0, '')
    return '\n'.join(out) + '\n'
