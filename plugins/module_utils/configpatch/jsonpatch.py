# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 6902 JSON Patch on plain JSON data (small enough not to need a dependency)."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


class JSONPatchError(TalosError):
    """An operation that is malformed or does not apply to the document."""


def _tokens(pointer: Any) -> list[str]:
    if not isinstance(pointer, str):
        raise JSONPatchError('path must be a string, got %r' % (pointer,))
    if pointer == '':
        return []
    if not pointer.startswith('/'):
        raise JSONPatchError('path %r must start with "/"' % pointer)
    return [t.replace('~1', '/').replace('~0', '~') for t in pointer[1:].split('/')]


def _index(container: list, token: str, pointer: str, allow_end: bool) -> int:
    if token == '-' and allow_end:
        return len(container)
    if not token.isdigit() or (token != '0' and token.startswith('0')):
        raise JSONPatchError('invalid array index %r in %r' % (token, pointer))
    index = int(token)
    if index > len(container) or (index == len(container) and not allow_end):
        raise JSONPatchError('array index %d out of range in %r' % (index, pointer))
    return index


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise JSONPatchError('the operation needs a non-empty path')
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise JSONPatchError('path %r does not exist (missing key %r)' % (pointer, token))
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, pointer, False)]
        else:
            raise JSONPatchError('path %r does not exist' % pointer)
    return node, tokens[-1]


def _get(doc: Any, pointer: str) -> Any:
    node = doc
    for token in _tokens(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, pointer, False)]
        else:
            raise JSONPatchError('path %r does not exist' % pointer)
    return node


def _add(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == '':
        return value
    parent, token = _parent(doc, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, pointer, True), value)
    else:
        raise JSONPatchError('cannot add %r: parent is not a container' % pointer)
    return doc


def _remove(doc: Any, pointer: str) -> Any:
    parent, token = _parent(doc, pointer)
    if isinstance(parent, dict):
        if token not in parent:
            raise JSONPatchError('cannot remove %r: it does not exist' % pointer)
        del parent[token]
    elif isinstance(parent, list):
        del parent[_index(parent, token, pointer, False)]
    else:
        raise JSONPatchError('cannot remove %r: parent is not a container' % pointer)
    return doc


def _value(op: dict) -> Any:
    if 'value' not in op:
        raise JSONPatchError('operation %r needs a value' % op.get('op'))
    return copy.deepcopy(op['value'])


def apply(doc: Any, operations: list[dict[str, Any]]) -> Any:
    """The document after applying operations in order (the input is not modified)."""
    doc = copy.deepcopy(doc)
    for op in operations:
        name = op.get('op')
        path = op.get('path')
        if name == 'add':
            doc = _add(doc, path, _value(op))
        elif name == 'remove':
            doc = _remove(doc, path)
        elif name == 'replace':
            _get(doc, path)
            doc = _remove(doc, path) if path != '' else doc
            doc = _add(doc, path, _value(op))
        elif name in ('move', 'copy'):
            source = op.get('from')
            value = copy.deepcopy(_get(doc, source))
            if name == 'move':
                doc = _remove(doc, source)
            doc = _add(doc, path, value)
        elif name == 'test':
            if _get(doc, path) != op.get('value'):
                raise JSONPatchError('test operation for path %r failed' % path)
        else:
            raise JSONPatchError('unknown operation %r' % (name,))
    return doc
