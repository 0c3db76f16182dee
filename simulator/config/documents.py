# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Multi-document machine configs, loaded as Talos's config loader does.

``pkg/machinery/config/configloader/internal/decoder/decoder.go:parse, decode @ v1.13.9`` (same rules at
v1.12.11 and v1.14.0-rc.1): documents are YAML mappings (null documents skipped); a document with a
``machine``/``cluster``/``debug``/``persist`` key is the legacy v1alpha1 one, any other needs ``kind`` and
``apiVersion`` of a registered type; (apiVersion, kind, name) is unique; no documents at all is
``config not found`` (``configloader.go:newConfig``). Field-level checks of typed documents are not
emulated, except the v1alpha1 document's top-level keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import yaml

from simulator.config import kinds

V1ALPHA1 = 'v1alpha1'
_LEGACY_KEYS = ('machine', 'cluster', 'debug', 'persist')
_V1ALPHA1_FIELDS = ('version',) + _LEGACY_KEYS  # pkg/machinery/config/types/v1alpha1/v1alpha1_types.go:Config


class ConfigError(ValueError):
    """A config Talos's loader refuses; the text is Talos's."""


@dataclass
class Document:
    api_version: str
    kind: str  # 'v1alpha1' for the legacy document
    name: str
    value: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    documents: list[Document]

    def find(self, kind: str) -> Optional[Document]:
        return next((doc for doc in self.documents if doc.kind == kind), None)

    def v1alpha1(self) -> Optional[dict[str, Any]]:
        doc = self.find(V1ALPHA1)
        return doc.value if doc is not None else None


def _scalar(node: yaml.MappingNode, key: str) -> str:
    for key_node, value_node in node.value:
        if key_node.value == key and isinstance(value_node, yaml.ScalarNode):
            return str(value_node.value)
    return ''


def _identify(node: yaml.MappingNode, line: tuple[int, int]) -> Document:
    """decoder.go:decode: which registered type the document is (the value is filled in by the caller)."""
    keys = [key.value for key, _value in node.value]
    version, kind = _scalar(node, 'apiVersion'), _scalar(node, 'kind')
    if any(key in _LEGACY_KEYS for key in keys):
        version = V1ALPHA1
    if version == V1ALPHA1 and not kind:
        # go-yaml's KnownFields(true) (decoder.go:parse) words unknown fields this way
        unknown = [key for key, _value in node.value if key.value not in _V1ALPHA1_FIELDS]
        if unknown:
            raise ConfigError('yaml: unmarshal errors:\n' + '\n'.join(
                '  line %d: field %s not found in type v1alpha1.Config' % (key.start_mark.line + 1, key.value)
                for key in unknown))
        return Document('', V1ALPHA1, '')
    if not kind:
        raise ConfigError('missing kind')
    if not version:
        raise ConfigError('missing apiVersion')
    if version != V1ALPHA1 or kind not in kinds.registered(line):
        raise ConfigError('"%s" "%s": not registered' % (kind, version))  # internal/registry/registry.go:New
    return Document(version, kind, _scalar(node, 'name'))


def loads(data: bytes | str, line: tuple[int, int] = (1, 14)) -> Config:
    """A machine config as the Talos line ``line`` loads it; ConfigError with Talos's text otherwise."""
    text = data.decode('utf-8') if isinstance(data, bytes) else data
    loader = yaml.SafeLoader(text)
    docs: list[Document] = []
    seen: set[tuple[str, str, str]] = set()
    try:
        while loader.check_node():
            node = loader.get_node()
            if isinstance(node, yaml.ScalarNode) and node.tag == 'tag:yaml.org,2002:null':
                continue
            at = node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode):
                raise ConfigError('expected a YAML document at line %d' % at)
            ident = (_scalar(node, 'apiVersion'), _scalar(node, 'kind') or V1ALPHA1, _scalar(node, 'name'))
            if ident in seen:
                raise ConfigError('duplicate document %s/%s/%s is not allowed (line %d)' % (ident + (at,)))
            seen.add(ident)
            try:
                doc = _identify(node, line)
            except ConfigError as exc:
                raise ConfigError('error decoding document %s/%s/%s (line %d): %s' % (ident + (at, exc))) from None
            doc.value = loader.construct_document(node) or {}
            docs.append(doc)
    except yaml.YAMLError as exc:
        raise ConfigError('decode error: yaml: %s' % exc) from None
    finally:
        loader.dispose()
    if not docs:
        raise ConfigError('config not found')
    return Config(docs)
