# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upstream's strategic merge of two values of one schema type (Go model form, see schema).

Rules, as upstream's reflective merge applies them: scalars are overwritten unless the patch holds
the zero value (booleans always overwrite, pointer targets always overwrite); maps merge per key;
lists are appended, except lists tagged replace and lists whose items have an identifying field;
structs merge field by field.
"""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import schema
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import PatchError

_MISSING = object()


def merge(left: Any, right: Any, typ: schema.Type, replace: bool = False, overwrite: bool = False) -> Any:
    """The merged value (left is not modified in place for scalars; containers are)."""
    if typ.name in schema.KEYED_LISTS:
        return _merge_keyed(left, right, typ)
    if typ.name in schema.REPLACE_BY_KEY:
        return _merge_replace_by_key(left, right, schema.REPLACE_BY_KEY[typ.name])
    if typ.name == 'meta.Args':
        if not right:
            return left
        result = dict(left or {})
        result.update(copy.deepcopy(right))
        return result
    kind = typ.kind
    if kind == 'ptr':
        if right is None:
            return left
        if left is None:
            return copy.deepcopy(right)
        return merge(left, right, typ.elem, replace, True)
    if kind == 'slice':
        if not right:
            return left
        if replace:
            return copy.deepcopy(right)
        return list(left or []) + copy.deepcopy(right)
    if kind in ('map', 'free'):
        return _merge_map(left, right, typ, replace)
    if kind == 'struct':
        if replace:
            return left if not right else copy.deepcopy(right)
        return _merge_struct(left or {}, right or {}, typ)
    return _merge_scalar(left, right, kind, overwrite)


def _merge_scalar(left: Any, right: Any, kind: str, overwrite: bool) -> Any:
    if kind != 'bool' and _zero(right) and not overwrite:
        return left
    return right


def _zero(value: Any) -> bool:
    return value is None or value == '' or value is False or (
        isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0) or value == [] or value == {}


def _merge_struct(left: dict, right: dict, typ: schema.Type) -> dict:
    for fld in typ.fields:
        lv = left.get(fld.name)
        rv = right.get(fld.name)
        merged = merge(lv, rv, fld.type, fld.replace, False)
        if schema.is_unset(merged, fld.type):
            left.pop(fld.name, None)
        else:
            left[fld.name] = merged
    if typ.inline_free:
        extra_left = {k: v for k, v in left.items() if typ.field(k) is None}
        extra_right = {k: v for k, v in right.items() if typ.field(k) is None}
        merged = _merge_free_map(extra_left, extra_right)
        for key, value in merged.items():
            left[key] = value
    return left


def _merge_map(left: Any, right: Any, typ: schema.Type, replace: bool) -> Any:
    if not right:
        return left
    if replace:
        return copy.deepcopy(right)
    if typ.kind == 'free':
        return _merge_free_map(left if isinstance(left, dict) else {}, right)
    result = left if left is not None else {}
    for key, value in right.items():
        existing = result.get(key, _MISSING)
        if existing is _MISSING or (existing is None and typ.elem.kind in ('ptr', 'map', 'slice', 'free')):
            result[key] = copy.deepcopy(value)
        else:
            result[key] = merge(existing, value, typ.elem, False, False)
    return result


def _free_type(value: Any) -> str:
    if isinstance(value, dict):
        return 'map'
    if isinstance(value, list):
        return 'slice'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    return 'string' if isinstance(value, str) else 'nil'


def _merge_free_map(left: dict, right: dict) -> dict:
    """Merge of map[string]any: values of one dynamic type merge, different types are an error."""
    if not right:
        return left
    for key, value in right.items():
        existing = left.get(key)
        if existing is None:
            left[key] = copy.deepcopy(value)
            continue
        lt, rt = _free_type(existing), _free_type(value)
        if lt != rt:
            raise PatchError('merge type mismatch at key %r: %s and %s' % (key, lt, rt))
        if lt == 'map':
            left[key] = _merge_free_map(existing, value)
        elif lt == 'slice':
            left[key] = existing + copy.deepcopy(value) if value else existing
        else:
            left[key] = _merge_scalar(existing, value, lt, False)
    return left


def _item_key(item: Any, keys: tuple[str, ...]) -> tuple[str, Any] | None:
    for key in keys:
        if isinstance(item, dict) and item.get(key) not in (None, '', 0):
            return key, item[key]
    return None


def _merge_keyed(left: Any, right: Any, typ: schema.Type) -> Any:
    keys = schema.KEYED_LISTS[typ.name]
    result = list(left or [])
    item_type = typ.elem
    for item in right or []:
        ident = _item_key(item, keys)
        existing = None
        if ident is not None:
            for candidate in result:
                if isinstance(candidate, dict) and candidate.get(ident[0]) == ident[1]:
                    existing = candidate
                    break
        if existing is not None:
            merge(existing, item, item_type, False, False)
        else:
            result.append(copy.deepcopy(item))
    return result


def _merge_replace_by_key(left: Any, right: Any, key: str) -> Any:
    result = list(left or [])
    for item in right or []:
        for i, candidate in enumerate(result):
            if isinstance(candidate, dict) and candidate.get(key) == item.get(key):
                result[i] = copy.deepcopy(item)
                break
        else:
            result.append(copy.deepcopy(item))
    return result
