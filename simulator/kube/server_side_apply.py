# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side apply (PATCH ``application/apply-patch+yaml``): the applied configuration merged into the live
object, field ownership in ``metadata.managedFields`` and conflicts between appliers.

From kubernetes/kubernetes v1.34.0: ``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go:applyPatcher``
(a missing object is created from the applied configuration), ``staging/src/k8s.io/apimachinery/pkg/util/
managedfields/internal/structuredmerge.go:Apply`` and ``conflict.go:NewConflictError`` (409 Conflict, one
FieldManagerConflict cause per field), structured-merge-diff's ``fieldpath`` notation for the field paths
(``.spec.template.spec.containers[name="kube-proxy"].image``) and its FieldsV1 encoding (``f:<field>``,
``k:<merge key as JSON>``, ``v:<set value as JSON>``, ``.`` for a list item itself).

Simplifications, where structured-merge-diff reads each type's OpenAPI schema: the list types come from the
strategic-merge key table (simulator.kube.strategic_merge): a list with a merge key merges by that key alone
(upstream's container ports are keyed by containerPort and protocol), a merge list of scalars is a set, every
other list is atomic. Only Apply managers are recorded: create, update and the other patches leave
managedFields alone, so a conflict can only be with another applier (upstream also conflicts with Update
managers). A field this manager stops applying is removed unless another manager owns it; maps emptied that
way stay.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

from simulator.kube.api_types import Obj
from simulator.kube.errors import ApiError
from simulator.kube.strategic_merge import MergeList, Schema

APPLY = 'Apply'
ITEM = '.'
Path = tuple[str, ...]  # FieldsV1 keys from the object's root: ('f:spec', 'f:replicas')
MISSING = object()
# Fields the apiserver sets itself: never owned (structuredmerge.go strips them before merging).
SERVER_FIELDS = ('name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
                 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink')


def _item_key(item: dict[str, Any], key: str) -> str:
    return 'k:' + json.dumps({key: item.get(key)}, separators=(',', ':'), sort_keys=True)


def _walk(value: dict[str, Any], schema: Any, prefix: Path, out: set[Path]) -> None:
    for key, child in value.items():
        path = prefix + ('f:' + key,)
        sub = schema.get(key) if isinstance(schema, dict) else None
        if isinstance(child, list) and isinstance(sub, MergeList):
            for item in child:
                if sub.key and isinstance(item, dict):
                    item_path = path + (_item_key(item, sub.key),)
                    out.add(item_path + (ITEM,))
                    _walk(item, sub.item, item_path, out)
                else:
                    out.add(path + ('v:' + json.dumps(item, separators=(',', ':')),))
        elif isinstance(child, dict) and child:
            _walk(child, sub or {}, path, out)
        else:
            out.add(path)


def owned_fields(applied: Obj, schema: Schema) -> set[Path]:
    """The fields an applied configuration sets (what its manager owns after the apply)."""
    body = {k: v for k, v in applied.items() if k not in ('apiVersion', 'kind', 'status')}
    meta = {k: v for k, v in (body.pop('metadata', None) or {}).items() if k not in SERVER_FIELDS}
    if meta:
        body['metadata'] = meta
    out: set[Path] = set()
    _walk(body, schema, (), out)
    return out


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    return tree


def paths_of(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for key, sub in tree.items():
        if sub:
            out |= paths_of(sub, prefix + (key,))
        else:
            out.add(prefix + (key,))
    return out


def _find(items: list[Any], part: str) -> int:
    """The index of the list item a ``k:`` or ``v:`` key names, -1 when none."""
    wanted = json.loads(part[2:])
    for index, item in enumerate(items):
        if part.startswith('v:') and item == wanted:
            return index
        if part.startswith('k:') and isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
            return index
    return -1


def value_at(obj: Any, path: Path) -> Any:
    for part in path:
        if part == ITEM:
            return obj
        if part.startswith('f:') and isinstance(obj, dict) and part[2:] in obj:
            obj = obj[part[2:]]
        elif part[:2] in ('k:', 'v:') and isinstance(obj, list) and _find(obj, part) >= 0:
            obj = obj[_find(obj, part)]
        else:
            return MISSING
    return obj


def _remove(obj: Any, path: Path) -> None:
    if path[-1] == ITEM:
        path = path[:-1]
    parent = value_at(obj, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last.startswith('f:'):
        parent.pop(last[2:], None)
    elif isinstance(parent, list) and _find(parent, last) >= 0:
        del parent[_find(parent, last)]


def merge(live: Any, applied: Any, schema: Any) -> Any:
    """Maps merge, keyed lists merge by key, merge lists of scalars are sets, anything else is replaced."""
    if isinstance(live, dict) and isinstance(applied, dict):
        out = dict(live)
        for key, value in applied.items():
            out[key] = merge(live.get(key), value, schema.get(key) if isinstance(schema, dict) else None)
        return out
    if isinstance(live, list) and isinstance(applied, list) and isinstance(schema, MergeList):
        out_list = list(live)
        for item in applied:
            if schema.key and isinstance(item, dict):
                index = _find(out_list, _item_key(item, schema.key))
                if index >= 0:
                    out_list[index] = merge(out_list[index], item, schema.item)
                    continue
            elif item in out_list:
                continue
            out_list.append(copy.deepcopy(item))
        return out_list
    return copy.deepcopy(applied)


def _path_string(path: Path) -> str:
    """fieldpath.Path.String(): ``.spec.containers[name="app"].image``, ``[="value"]`` for a set member."""
    out = ''
    for part in path:
        if part.startswith('f:'):
            out += '.' + part[2:]
        elif part.startswith('k:'):
            out += '[%s]' % ','.join('%s=%s' % (k, json.dumps(v)) for k, v in json.loads(part[2:]).items())
        elif part.startswith('v:'):
            out += '[=%s]' % part[2:]
    return out


def conflict_error(conflicts: list[tuple[str, Path]]) -> ApiError:
    """conflict.go:NewConflictError; ``(manager, path)`` pairs, Apply managers printed as their quoted name."""
    causes = [{'reason': 'FieldManagerConflict', 'message': 'conflict with %s' % json.dumps(manager),
               'field': _path_string(path)} for manager, path in conflicts]
    if len(conflicts) == 1:
        manager, path = conflicts[0]
        message = 'Apply failed with 1 conflict: conflict with %s: %s' % (json.dumps(manager), _path_string(path))
    else:
        lines = []
        for manager in sorted({m for m, _p in conflicts}):
            lines.append('conflicts with %s:' % json.dumps(manager))
            lines += ['- %s' % _path_string(p) for m, p in conflicts if m == manager]
        message = 'Apply failed with %d conflicts: %s' % (len(conflicts), '\n'.join(lines))
    return ApiError(409, 'Conflict', message, {'causes': causes})


def _entries(live: Optional[Obj]) -> list[dict[str, Any]]:
    return copy.deepcopy(((live or {}).get('metadata') or {}).get('managedFields') or [])


def apply(live: Optional[Obj], applied: Obj, manager: str, force: bool, schema: Schema, now: str) -> Obj:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: the object does not exist yet).

    Raises the 409 Conflict when a field it sets to another value belongs to another applier, unless ``force``
    (then the field changes hands).
    """
    wanted = owned_fields(applied, schema)
    entries = _entries(live)
    mine = next((e for e in entries if e.get('manager') == manager and e.get('operation') == APPLY), None)
    others = [e for e in entries if e is not mine]
    conflicts = []
    for entry in others:
        if entry.get('operation') != APPLY:
            continue
        theirs = paths_of(entry.get('fieldsV1') or {})
        lost = {p for p in wanted & theirs if p[-1] != ITEM and not p[-1].startswith('v:')
                and value_at(live, p) not in (MISSING, value_at(applied, p))}
        if lost and not force:
            conflicts += [(entry['manager'], p) for p in sorted(lost)]
        entry['fieldsV1'] = fields_v1(theirs - lost)
    if conflicts:
        raise conflict_error(conflicts)
    others = [e for e in others if e.get('fieldsV1')]
    body = {k: v for k, v in applied.items() if k != 'status'}
    body['metadata'] = {k: v for k, v in (applied.get('metadata') or {}).items() if k != 'managedFields'}
    result = merge(copy.deepcopy(live) if live is not None else {}, body, schema)
    held = set().union(*(paths_of(e.get('fieldsV1') or {}) for e in others))
    before = paths_of(mine.get('fieldsV1') or {}) if mine else set()
    for path in sorted((p for p in before - wanted if not _held(p, held)), key=len, reverse=True):
        _remove(result, path)
    if mine is None or before != wanted:
        mine = {'manager': manager, 'operation': APPLY, 'apiVersion': applied.get('apiVersion', ''), 'time': now,
                'fieldsType': 'FieldsV1', 'fieldsV1': fields_v1(wanted)}
    kept = [mine if e.get('manager') == manager and e.get('operation') == APPLY else e
            for e in entries if e is mine or e.get('fieldsV1')]
    result.setdefault('metadata', {})['managedFields'] = kept if mine in kept else kept + [mine]
    return result


def _held(path: Path, held: set[Path]) -> bool:
    """Another manager owns the field, or (for a list item) something inside the item."""
    scope = path[:-1] if path[-1] == ITEM else path
    return any(other[:len(scope)] == scope for other in held)
