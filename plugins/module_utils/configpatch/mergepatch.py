# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff to patch: the strategic merge patches that turn one machine configuration into another.

Documents are compared by identity (apiVersion, kind, name). Removed documents become document
deletes, added documents are copied whole, and documents present on both sides are compared as
the plain data their encoding reads back as: changed or added keys are set, missing keys get
``$patch: delete``, and a changed list is first deleted and then set in a second patch (lists are
appended to by a merge, so replacing one takes two steps). Each patch is serialized with two-space
indentation and sorted keys, then loaded like any other strategic merge patch.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, encoder, schema

_DELETE = {'$patch': 'delete'}


def _identity(doc: documents.Document) -> dict[str, str]:
    """The keys that name a document in a patch."""
    if doc.kind == documents.V1ALPHA1:
        return {'version': documents.V1ALPHA1}
    meta = {'apiVersion': doc.api_version, 'kind': doc.kind}
    if doc.name:
        meta['name'] = doc.name
    return meta


def _as_data(doc: documents.Document) -> dict[str, Any]:
    """The document as its encoded form reads back into generic data (YAML 1.2 core types)."""
    nodes = documents.compose(encoder.dump(doc.plain()))
    return schema.free_value(nodes[0]) if nodes else {}


def _same_type(left: Any, right: Any) -> bool:
    return type(left) is type(right)  # pylint: disable=unidiomatic-typecheck  # bool and int must differ


def _diff(original: dict, modified: dict, identity: dict | None, first_pass: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, new in modified.items():
        if identity is not None and identity.get(key):
            meta[key] = identity[key]
            continue
        if key not in original or not _same_type(original[key], new):
            if first_pass:
                result[key] = new
            continue
        old = original[key]
        if isinstance(old, dict):
            nested = _diff(old, new, None, first_pass)
            if nested:
                result[key] = nested
        elif isinstance(old, list):
            if old != new:
                result[key] = dict(_DELETE) if first_pass else new
        elif old != new and first_pass:
            result[key] = new
    if first_pass:
        for key in original:
            if key not in modified:
                result[key] = dict(_DELETE)
    if result and meta:
        result.update(meta)
    return result


def _pass(original: documents.Config, modified: documents.Config, first_pass: bool) -> list[dict[str, Any]]:
    old_docs = {d.id: d for d in original.documents}
    new_docs = {d.id: d for d in modified.documents}
    docs: list[dict[str, Any]] = []
    if first_pass:
        for ident, doc in old_docs.items():
            if ident not in new_docs:
                docs.append(dict(_identity(doc), **_DELETE))
        for ident, doc in new_docs.items():
            if ident not in old_docs:
                docs.append(_as_data(doc))
    for ident, doc in old_docs.items():
        if ident in new_docs:
            changes = _diff(_as_data(doc), _as_data(new_docs[ident]), _identity(doc), first_pass)
            if changes:
                docs.append(changes)
    return docs


def serialize(docs: list[dict[str, Any]]) -> str:
    """Patch documents as upstream writes them: two-space indent, sorted keys, ``---`` between documents."""
    return '---\n'.join(encoder.dump_sorted_2(doc) for doc in docs)


def merge_patches(original: documents.Config | str, modified: documents.Config | str) -> list[patch.StrategicPatch]:
    """The patches (none, one or two) that, applied in order to original, give modified."""
    if isinstance(original, str):
        original = documents.loads(original, 'original configuration')
    if isinstance(modified, str):
        modified = documents.loads(modified, 'modified configuration')
    result = []
    for index, first_pass in enumerate((True, False)):
        docs = _pass(original, modified, first_pass)
        if docs:
            result.append(patch.load_strategic(serialize(docs), 'merge patch %d' % (index + 1)))
    return result
