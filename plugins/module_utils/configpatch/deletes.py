# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``$patch: delete`` in strategic merge patches: finding the directives and applying them.

A directive on a mapping deletes that key (or, at document level, the whole document); on a list
item it deletes the items whose value for the item's first other key matches. Mappings left empty
by removing directives disappear too, and a patch document left with nothing but identifying keys
is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import schema
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import PatchError

_DELETE = object()


@dataclass
class Selector:
    path: list[str]
    api_version: str
    kind: str
    name: str
    key: str = ''
    value: str = ''

    @property
    def id(self) -> str:
        ident = '%s/%s' % (self.api_version, self.kind)
        return '%s/%s' % (ident, self.name) if self.name else ident

    @property
    def path_text(self) -> str:
        return '.'.join(self.path)

    def apply_to(self, doc, label: str) -> bool:
        """Delete from doc; True when the whole document is to be removed."""
        if not self.path:
            if doc.kind == 'v1alpha1':
                raise PatchError("%s: $patch: delete can't delete the root of the legacy document" % label)
            return True
        try:
            _delete(doc.value, doc.type, self.path, self.key, self.value)
        except LookupError:
            raise PatchError("%s: patch delete: path '%s' in document '%s/%s': lookup failed (nothing to delete)"
                             % (label, self.path_text, doc.api_version, doc.kind)) from None
        except ValueError as exc:
            raise PatchError("%s: patch delete: path '%s' in document '%s/%s': %s"
                             % (label, self.path_text, doc.api_version, doc.kind, exc)) from None
        return False


def _is_delete(key_node, value_node) -> bool:
    return key_node.value == '$patch' and value_node.id == 'scalar' and value_node.value == 'delete'


def _find(root, key: str) -> str:
    for key_node, value_node in root.value:
        if key_node.value == key and value_node.id == 'scalar':
            return value_node.value
    return ''


def extract_deletes(root, index: int, label: str):
    """(selectors, remaining document node or None) for one patch document node."""
    selectors: list[Selector] = []

    def selector(path: list[str], item=None) -> Selector:
        api_version, kind, name = _find(root, 'apiVersion'), _find(root, 'kind'), _find(root, 'name')
        if not path and not (api_version and kind):
            missing = 'apiVersion' if not api_version else 'kind'
            raise PatchError('%s, document %d: missing %s in document for which $patch: delete is used'
                             % (label, index + 1, missing))
        if not kind and not api_version:
            kind = 'v1alpha1'
        elif not (kind and api_version):
            raise PatchError('%s, document %d: kind and apiVersion must be both set for path %s'
                             % (label, index + 1, '.'.join(path)))
        key = value = ''
        if item is not None:
            for key_node, value_node in item.value:
                if not _is_delete(key_node, value_node):
                    key, value = str(key_node.value), str(value_node.value)
                    break
            else:
                raise PatchError('%s, document %d: no key:val found in sequence node for path %s'
                                 % (label, index + 1, '.'.join(path)))
        return Selector(list(path), api_version, kind, name, key, value)

    def walk(node, path: list[str], in_sequence: bool):
        if node.id == 'mapping':
            if any(_is_delete(k, v) for k, v in node.value):
                if not in_sequence and any(p.startswith('[') for p in path):
                    raise PatchError("%s, document %d: cannot delete an inner key in '%s'"
                                     % (label, index + 1, '.'.join(path)))
                selectors.append(selector(path, node if in_sequence else None))
                return _DELETE
            kept = []
            for key_node, value_node in node.value:
                if walk(value_node, path + [str(key_node.value)], False) is not _DELETE:
                    kept.append((key_node, value_node))
            removed = len(kept) != len(node.value)
            node.value = kept
            return _DELETE if removed and not kept else None
        if node.id == 'sequence':
            kept = [item for i, item in enumerate(node.value)
                    if walk(item, path + ['[%d]' % i], True) is not _DELETE]
            removed = len(kept) != len(node.value)
            node.value = kept
            return _DELETE if removed and not kept else None
        return None

    if walk(root, [], False) is _DELETE or _only_identity(root):
        return selectors, None
    return selectors, root


def _only_identity(root) -> bool:
    return all(k.id == 'scalar' and v.id == 'scalar' and k.value in ('version', 'kind', 'name')
               for k, v in root.value)


def _delete(value: Any, typ: schema.Type, path: list[str], key: str, match: str) -> None:
    """Delete path from a Go-model value in place; LookupError when the path is not there."""
    while typ.kind == 'ptr':
        typ = typ.elem
    if value is None:
        raise LookupError(path[0])
    head, rest = path[0], path[1:]
    if typ.kind == 'struct':
        fld = typ.field(head)
        if fld is None and not (typ.inline_free and head in value):
            raise LookupError(head)
        if not rest:
            value.pop(head, None)
            return
        if fld is None:
            _delete_free(value[head], rest, key, match)
            return
        child = value.get(head)
        if child is None and fld.type.kind in ('ptr', 'map', 'free', 'slice'):
            raise LookupError(head)
        if child is None:
            child = value[head] = {}
        _delete(child, fld.type, rest, key, match)
        if schema.is_unset(child, fld.type):
            value.pop(head, None)
        return
    if typ.kind in ('map', 'free'):
        if not isinstance(value, dict) or head not in value:
            raise LookupError(head)
        if not rest:
            del value[head]
            return
        if typ.kind == 'free':
            _delete_free(value[head], rest, key, match)
        else:
            _delete(value[head], typ.elem, rest, key, match)
        return
    if typ.kind == 'slice':
        _delete_item(value, head, rest, key, match)
        return
    raise LookupError(head)


def _delete_free(value: Any, path: list[str], key: str, match: str) -> None:
    if isinstance(value, dict):
        _delete(value, schema.resolve('any'), path, key, match)
    elif isinstance(value, list):
        raise LookupError(path[0])  # items of free-form lists are not structs: upstream cannot match them
    else:
        raise LookupError(path[0])


def _delete_item(items: list, head: str, rest: list[str], key: str, match: str) -> None:
    if rest:
        raise ValueError('searching for complex paths in slices is not supported')
    if not head.startswith('['):
        raise ValueError('searching for non-integer keys in slices is not supported')
    for i, item in enumerate(items):
        if isinstance(item, dict) and key in item and _text(item[key]) == match:
            del items[i]
            return
    raise LookupError(head)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value) if isinstance(value, str) else '<%s Value>' % type(value).__name__
