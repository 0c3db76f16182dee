# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A machine configuration as upstream's config container holds it: an ordered list of typed documents."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder, schema
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import ConfigError

V1ALPHA1 = 'v1alpha1'
_LEGACY_KEYS = ('machine', 'cluster', 'debug', 'persist')


@dataclass
class Document:
    kind: str  # 'v1alpha1' for the legacy document
    api_version: str  # '' for the legacy document
    value: dict[str, Any]  # Go model (see schema)

    @property
    def type(self) -> schema.Type:
        return schema.document_type(self.kind)

    @property
    def name(self) -> str | None:
        if self.type is not None and self.type.field('name') is not None and self.kind != V1ALPHA1:
            return str(self.value.get('name', ''))
        return None

    @property
    def id(self) -> str:
        ident = '%s/%s' % (self.api_version, self.kind)
        return ident if self.name is None else '%s/%s' % (ident, self.name)

    def plain(self) -> dict[str, Any]:
        return schema.to_plain(self.value, self.type)

    def clone(self) -> 'Document':
        return Document(self.kind, self.api_version, copy.deepcopy(self.value))


class Config:
    """Documents in upstream's order: the v1alpha1 document first, then the others as given."""

    def __init__(self, documents: list[Document] | None = None):
        self.documents: list[Document] = []
        seen = set()
        legacy = [d for d in documents or [] if d.kind == V1ALPHA1]
        if len(legacy) > 1:
            raise ConfigError('duplicate v1alpha1 document')
        for doc in legacy + [d for d in documents or [] if d.kind != V1ALPHA1]:
            if doc.kind != V1ALPHA1:
                key = '%s/%s' % (doc.kind, doc.name or '')
                if key in seen:
                    raise ConfigError('duplicate document: %s' % key)
                seen.add(key)
            self.documents.append(doc)

    def clone(self) -> 'Config':
        return Config([d.clone() for d in self.documents])

    def find(self, kind: str, name: str | None = None) -> Document | None:
        for doc in self.documents:
            if doc.kind == kind and (name is None or doc.name == name):
                return doc
        return None

    def encode(self) -> str:
        """The YAML upstream writes with comments disabled."""
        return encoder.dump_all([d.plain() for d in self.documents])

    def plain(self) -> list[dict[str, Any]]:
        return [d.plain() for d in self.documents]


def compose(text: str | bytes, what: str = 'machine configuration') -> list:
    """The YAML documents of text as composed nodes (null documents dropped)."""
    if isinstance(text, bytes):
        text = text.decode('utf-8')
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ConfigError('%s: invalid YAML: %s' % (what, exc)) from None
    return [n for n in nodes if n is not None and not schema.is_null(n)]


def scalar_value(node, key: str) -> str:
    if node.id != 'mapping':
        return ''
    for key_node, value_node in node.value:
        if key_node.value == key and value_node.id == 'scalar':
            return value_node.value
    return ''


def identify(node, index: int, what: str) -> tuple[str, str, str]:
    """(apiVersion, kind, label for messages) of a document node."""
    if node.id != 'mapping':
        raise ConfigError('%s, document %d: expected a YAML mapping (line %d)'
                          % (what, index + 1, node.start_mark.line + 1))
    api_version = scalar_value(node, 'apiVersion')
    kind = scalar_value(node, 'kind')
    keys = [key.value for key, _value in node.value]
    if not kind and (not api_version or api_version == V1ALPHA1) and (
            any(k in _LEGACY_KEYS for k in keys) or scalar_value(node, 'version') == V1ALPHA1):
        return '', V1ALPHA1, 'document %d (v1alpha1)' % (index + 1)
    label = 'document %d (%s)' % (index + 1, kind or 'no kind')
    if not kind:
        raise ConfigError('%s, %s: missing kind' % (what, label))
    if not api_version:
        raise ConfigError('%s, %s: missing apiVersion' % (what, label))
    if schema.document_type(kind) is None:
        raise ConfigError('%s, %s: unknown document kind %r' % (what, label, kind))
    if api_version != V1ALPHA1:
        raise ConfigError('%s, %s: unsupported apiVersion %r for kind %s' % (what, label, api_version, kind))
    return api_version, kind, label


def decode_node(node, index: int, what: str) -> Document:
    api_version, kind, label = identify(node, index, what)
    try:
        value = schema.decode(node, schema.document_type(kind), [])
    except ConfigError as exc:
        raise ConfigError('%s, %s: %s' % (what, label, exc)) from None
    return Document(kind, api_version, value or {})


def loads(text: str | bytes, what: str = 'machine configuration') -> Config:
    """Load a (multi-document) machine configuration; errors name the document and field."""
    nodes = compose(text, what)
    return Config([decode_node(node, i, what) for i, node in enumerate(nodes)])
