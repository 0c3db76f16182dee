# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The patches a PATCH request carries: RFC 7386 JSON merge patch, RFC 6902 JSON patch and the strategic merge
patch of the built-in types (simulator.kube.strategic_merge)."""

from __future__ import annotations

import copy
from typing import Any

MERGE_PATCH = 'application/merge-patch+json'
STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json'
JSON_PATCH = 'application/json-patch+json'
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _pointer(path: str) -> list[str]:
    if path == '':
        return []
    if not path.startswith('/'):
        raise ValueError('invalid JSON pointer "%s"' % path)
    return [p.replace('~1', '/').replace('~0', '~') for p in path[1:].split('/')]


def _walk(doc: Any, parts: list[str], path: str) -> Any:
    for part in parts:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise ValueError('doc is missing path: "%s"' % path)
    return doc


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _walk(doc, parts[:-1], path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and (last == '-' or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == '-' else int(last), value)
    else:
        raise ValueError('doc is missing path: "%s"' % path)
    return doc


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    parent, last = _walk(doc, parts[:-1], path), parts[-1] if parts else ''
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise ValueError('doc is missing path: "%s"' % path)


def json_patch(doc: Any, operations: list[Any]) -> Any:
    """RFC 6902 (add, remove, replace, move, copy, test); ValueError says which operation failed and why."""
    doc = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict) or 'op' not in op or 'path' not in op:
            raise ValueError('invalid JSON patch operation: %s' % op)
        kind, path = op['op'], op['path']
        if kind == 'add':
            doc = _add(doc, path, copy.deepcopy(op.get('value')))
        elif kind == 'remove':
            _remove(doc, path)
        elif kind == 'replace':
            _walk(doc, _pointer(path), path)
            if _pointer(path):
                _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op.get('value')))
        elif kind in ('move', 'copy'):
            source = op.get('from', '')
            value = _remove(doc, source) if kind == 'move' else copy.deepcopy(_walk(doc, _pointer(source), source))
            doc = _add(doc, path, value)
        elif kind == 'test':
            if _walk(doc, _pointer(path), path) != op.get('value'):
                raise ValueError('testing value %s failed' % path)
        else:
            raise ValueError('unexpected kind: %s' % kind)
    return doc
