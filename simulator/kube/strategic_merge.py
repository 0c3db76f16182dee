# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Strategic merge patch as kube-apiserver applies it to the built-in types talos-sim serves.

From kubernetes/kubernetes v1.34.0 ``staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go``
(``StrategicMergeMapPatch``: ``mergeMap``, ``mergeSlice``, ``mergeSliceWithSpecialElements``,
``normalizeElementOrder``/``mergeSortedSlice``, ``applyRetainKeysDirective``, ``mergePatchIntoOriginal``) and the
error wording of ``apimachinery/pkg/util/mergepatch/errors.go``. Maps merge and ``null`` deletes, as in a JSON
merge patch; a list merges only where its Go field declares ``patchStrategy:"merge"`` (``SCHEMAS`` below, the
tags of ``staging/src/k8s.io/api/core/v1/types.go`` and ``apps/v1/types.go``): lists of objects by their
``patchMergeKey``, lists of scalars as a set; every other list is replaced. Directives: ``$patch`` (replace,
delete; merge is refused inside a list), ``$retainKeys``, ``$deleteFromPrimitiveList/<field>`` and
``$setElementOrder/<field>``.

Merged lists come out in upstream's order: the patch's items, in the patch's order, interleaved with the items
only the server had by their old positions; an item new to the list is placed before the server's items
(``mergeSortedSlice`` takes the patch's item whenever the server's order cannot compare the two).
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple, Optional, Union

DIRECTIVE = '$patch'
RETAIN_KEYS = '$retainKeys'
DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList'
SET_ELEMENT_ORDER = '$setElementOrder'


class PatchError(ValueError):
    """The patch cannot be applied; the apiserver answers 400 BadRequest with this message."""


class MergeList(NamedTuple):
    """A list field with patchStrategy merge: objects merged by ``key`` (scalars as a set when empty)."""

    key: str
    item: 'Schema' = {}


Schema = dict[str, Union['Schema', MergeList]]

OBJECT_META: Schema = {'finalizers': MergeList(''), 'ownerReferences': MergeList('uid')}
CONTAINER: Schema = {'ports': MergeList('containerPort'), 'env': MergeList('name'),
                     'volumeMounts': MergeList('mountPath'), 'volumeDevices': MergeList('devicePath')}
POD_SPEC: Schema = {
    'containers': MergeList('name', CONTAINER), 'initContainers': MergeList('name', CONTAINER),
    'ephemeralContainers': MergeList('name', CONTAINER), 'volumes': MergeList('name'),
    'imagePullSecrets': MergeList('name'), 'hostAliases': MergeList('ip'),
    'topologySpreadConstraints': MergeList('topologyKey'), 'schedulingGates': MergeList('name'),
    'resourceClaims': MergeList('name')}
CONDITIONS: Schema = {'conditions': MergeList('type')}
WORKLOAD: Schema = {'metadata': OBJECT_META, 'spec': {'template': {'metadata': OBJECT_META, 'spec': POD_SPEC}},
                    'status': CONDITIONS}
SCHEMAS: dict[str, Schema] = {
    'pods': {'metadata': OBJECT_META, 'spec': POD_SPEC, 'status': CONDITIONS},
    'nodes': {'metadata': OBJECT_META, 'spec': {'podCIDRs': MergeList('')},
              'status': {'conditions': MergeList('type'), 'addresses': MergeList('type')}},
    'services': {'metadata': OBJECT_META, 'spec': {'ports': MergeList('port')}},
    'daemonsets': WORKLOAD, 'deployments': WORKLOAD, 'replicasets': WORKLOAD, 'statefulsets': WORKLOAD,
}


def schema_for(resource: str) -> Schema:
    return SCHEMAS.get(resource, {'metadata': OBJECT_META})


def strategic_merge(original: dict[str, Any], patch: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """The object ``patch`` makes of ``original``; neither argument is changed."""
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), schema)


# -- Go's %v of the JSON values, for the error messages --------------------------------------------------------

def _go(value: Any) -> str:
    if isinstance(value, dict):
        return 'map[%s]' % ' '.join('%s:%s' % (k, _go(value[k])) for k in sorted(value))
    if isinstance(value, list):
        return '[%s]' % ' '.join(_go(v) for v in value)
    if value is None:
        return '<nil>'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _no_merge_key(item: Any, key: str) -> PatchError:
    return PatchError('map: %s does not contain declared merge key: %s' % (_go(item), key))


# -- maps ------------------------------------------------------------------------------------------------------

def _field_after(key: str, prefix: str, error: str) -> str:
    head, sep, field = key.partition('/')
    if not sep or head != prefix:
        raise PatchError(error)
    return field


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """applyRetainKeysDirective: drop the original's keys the list leaves out; the patch must stay inside it."""
    retained = patch.pop(RETAIN_KEYS)
    if not isinstance(retained, list):
        raise PatchError('invalid patch format of retainKeys')
    for key, value in patch.items():
        if value is not None and not key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)) \
                and key not in retained:
            raise PatchError('invalid patch format of retainKeys')
    for key in [k for k in original if k not in retained]:
        del original[key]


def _merge_map(original: Optional[dict[str, Any]], patch: dict[str, Any], schema: Schema) -> dict[str, Any]:
    if DIRECTIVE in patch:
        directive = patch[DIRECTIVE]
        if directive == 'replace':
            del patch[DIRECTIVE]
            return patch
        if directive == 'delete':
            return {}
        raise PatchError('unknown patch type: %s in map: %s' % (_go(directive), _go(patch)))
    original = original if original is not None else {}
    if RETAIN_KEYS in patch:
        _retain_keys(original, patch)
    _apply_element_orders(original, patch, schema)
    for key, value in patch.items():
        deletion = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
        if deletion:
            key = _field_after(key, DELETE_FROM_PRIMITIVE_LIST, 'invalid patch format of primitive list')
        if value is None:
            original.pop(key, None)
            continue
        if key not in original:
            original[key] = value  # upstream takes a deletion list as the value too when the field is absent
            continue
        current, field = original[key], schema.get(key)
        if type(current) is not type(value):
            original[key] = value
        elif isinstance(value, dict):
            original[key] = _merge_map(current, value, field if isinstance(field, dict) else {})
        elif isinstance(value, list):
            original[key] = _merge_list(current, value, field, deletion)
        else:
            original[key] = value
    return original


# -- lists -----------------------------------------------------------------------------------------------------

def _merge_list(original: list[Any], patch: list[Any], field: Any, deletion: bool = False) -> list[Any]:
    if not isinstance(field, MergeList):
        return patch  # no merge strategy: the patch's list replaces the server's
    if not original and not patch:
        return original
    maps = _elements_are_maps(original, patch)
    if not maps:
        if deletion:
            return [v for v in original if v not in patch]
        merged = _dedupe(original + patch)
    else:
        if not field.key:
            raise PatchError('cannot merge lists without merge key for type map')
        original, patch = _special_elements(original, patch, field.key)
        merged = _merge_maps_by_key(original, patch, field)
    key = field.key if maps else ''
    in_patch = [v for v in merged if _index(patch, v, key) >= 0]
    server_only = [v for v in merged if _index(patch, v, key) < 0]
    return _normalize_order(in_patch, server_only, patch, original, key)


def _elements_are_maps(original: list[Any], patch: list[Any]) -> bool:
    """sliceElementType: one kind of element, never a list."""
    kinds = {type(v) for v in original + patch}
    if len(kinds) != 1:
        raise PatchError('no elements in any of the given slices' if not kinds else
                         'expected slice elements to be of the same type')
    kind = kinds.pop()
    if kind is list:
        raise PatchError('lists of lists are not supported')
    return kind is dict


def _dedupe(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _special_elements(original: list[Any], patch: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """mergeSliceWithSpecialElements: ``$patch`` items delete by key or replace the whole list."""
    plain, replace = [], False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == 'delete':
            if key not in item:
                raise _no_merge_key(item, key)
            original = [v for v in original if v.get(key) != item[key]]
        elif directive == 'replace':
            replace = True
        elif directive == 'merge':
            raise PatchError('merging lists cannot yet be specified in the patch')
        else:
            raise PatchError('unknown patch type: %s in map: %s' % (_go(directive), _go(item)))
    if replace:
        return plain, []
    return original, plain


def _merge_maps_by_key(original: list[Any], patch: list[Any], field: MergeList) -> list[Any]:
    merged = list(original)
    for item in patch:
        if field.key not in item:
            raise _no_merge_key(item, field.key)
        at = next((i for i, v in enumerate(merged) if v.get(field.key) == item[field.key]), -1)
        if at >= 0:
            merged[at] = _merge_map(merged[at], item, field.item)
        else:
            merged.append(item)
    return merged


def _index(items: list[Any], value: Any, key: str) -> int:
    """Where ``value`` is in ``items``: by merge key for objects, by value for scalars; -1 if absent."""
    wanted = value.get(key) if key else value
    for i, item in enumerate(items):
        if (item.get(key) if key and isinstance(item, dict) else item) == wanted:
            return i
    return -1


def _normalize_order(in_patch: list[Any], server_only: list[Any], patch_order: list[Any],
                     server_order: list[Any], key: str) -> list[Any]:
    """normalizeElementOrder: each part sorted by its own order, then interleaved by the server's order."""
    right = _sorted_by(in_patch, patch_order, key)
    left = _sorted_by(server_only, server_order, key)
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
            continue
        if i < len(left):
            li, ri = _index(server_order, left[i], key), _index(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
                continue
        out.append(right[j])
        j += 1
    return out


def _sorted_by(items: list[Any], order: list[Any], key: str) -> list[Any]:
    """normalizeSliceOrder: a stable sort by position in ``order``; ``$patch: delete`` items last."""
    if key:
        for item in items + order:
            if not isinstance(item, dict) or key not in item:
                raise _no_merge_key(item, key)
    kept = [v for v in items if not (isinstance(v, dict) and v.get(DIRECTIVE) == 'delete')]
    deleted = [v for v in items if isinstance(v, dict) and v.get(DIRECTIVE) == 'delete']
    positions = [_index(order, v, key) for v in kept]
    if all(p >= 0 for p in positions):
        kept = [v for _p, v in sorted(zip(positions, kept), key=_first)]
    return kept + deleted


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def _apply_element_orders(original: dict[str, Any], patch: dict[str, Any], schema: Schema) -> None:
    """mergePatchIntoOriginal: a ``$setElementOrder/<field>`` list merges that field now and fixes its order."""
    for directive in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise PatchError('invalid patch format of setElementOrder list')
        name = _field_after(directive, SET_ELEMENT_ORDER, 'invalid patch format of setElementOrder list')
        field = schema.get(name)
        key = field.key if isinstance(field, MergeList) else ''
        if name in original and not isinstance(original[name], list) or \
                name in patch and not isinstance(patch[name], list):
            raise PatchError('expected a []interface {}, but received a %s' % type(patch.get(name)).__name__)
        if name not in original and name not in patch:
            continue
        if name not in patch:
            merged = original[name]
        elif name not in original:
            merged = patch.pop(name)
        else:
            merged = _merge_list(original[name], patch.pop(name), field)
        in_order = [v for v in merged if _index(order, v, key) >= 0]
        server_only = [v for v in merged if _index(order, v, key) < 0]
        original[name] = _normalize_order(in_order, server_only, order, original.get(name) or [], key)
