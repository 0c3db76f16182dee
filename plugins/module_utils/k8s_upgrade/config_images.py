# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image a machine configuration sets for a Kubernetes component, and the same configuration with only that
image changed.

Which field holds it is what upgrade-k8s patches (pkg/machinery/config/generate/stdpatches/stdpatches.go
WithKubeletImage, WithKubeAPIServerImage, WithKubeControllerManagerImage, WithKubeSchedulerImage,
WithKubeProxyImage, with the contract of guess.go GuessVersionContract* @ v1.14.0-rc.1): the ``image`` of the
component's own document when the configuration has that document (the multi-document Kubernetes config of
contract 1.14), else the v1alpha1 field (``cluster.apiServer.image``, ..., ``machine.kubelet.image``).

upgrade-k8s sends that patch and lets Talos re-encode the whole configuration; here the configuration text is
edited in place instead, at the field's position in the YAML, so comments, key order and quoting everywhere else
stay as the user wrote them. The result is parsed again and must equal the original with only that field set.

Private module: free to change between releases.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple, Optional

try:
    import yaml
except ImportError:
    pass  # machineconfig.documents reports the missing library where configs are loaded

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.documents import V1ALPHA1, compose, identify


class Field(NamedTuple):
    document: str  # the component's own document kind
    section: str  # v1alpha1 top-level key
    entry: str  # key under the section whose mapping holds ``image``


FIELDS = {
    'kube-apiserver': Field('KubeAPIServerConfig', 'cluster', 'apiServer'),
    'kube-controller-manager': Field('KubeControllerManagerConfig', 'cluster', 'controllerManager'),
    'kube-scheduler': Field('KubeSchedulerConfig', 'cluster', 'scheduler'),
    'kube-proxy': Field('KubeProxyConfig', 'cluster', 'proxy'),
    'kubelet': Field('KubeletConfig', 'machine', 'kubelet'),
}

_WHAT = 'machine configuration'
# Characters of image references that can be written as a plain YAML scalar (if it does not read as a number,
# boolean or null).
_PLAIN = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$')


def _field(component: str) -> Field:
    if component not in FIELDS:
        raise TalosError('unknown Kubernetes component %r (expected one of %s)' % (component, ', '.join(FIELDS)))
    return FIELDS[component]


def _documents(text: str) -> list[tuple[str, Any]]:
    return [(identify(node, index, _WHAT)[1], node) for index, node in enumerate(compose(text, _WHAT))]


def _entry(mapping: Any, key: str) -> Optional[tuple[Any, Any]]:
    if mapping.id != 'mapping':
        return None
    return next(((k, v) for k, v in mapping.value if k.id == 'scalar' and k.value == key), None)


def _is_null(node: Any) -> bool:
    return node.id == 'scalar' and node.tag == 'tag:yaml.org,2002:null'


def _scalar(node: Optional[Any]) -> Optional[str]:
    if node is None or node.id != 'scalar' or _is_null(node) or node.value == '':
        return None
    return node.value


class _Target(NamedTuple):
    index: int  # the document, counting non-empty ones
    path: tuple[str, ...]  # keys from the document root to ``image``
    nodes: list  # composed nodes along the path that exist: the document root first


def _locate(text: str, component: str) -> tuple[Optional[_Target], str]:
    """Where the component's image is or goes; None and the reason when the configuration has no place for it."""
    field = _field(component)
    documents = _documents(text)
    kinds = [kind for kind, _node in documents]
    if field.document in kinds:
        index = kinds.index(field.document)
        return _Target(index, ('image',), [documents[index][1]]), ''
    if V1ALPHA1 not in kinds:
        return None, 'the machine configuration has neither a %s document nor a v1alpha1 document' % field.document
    index = kinds.index(V1ALPHA1)
    nodes = [documents[index][1]]
    for key in (field.section, field.entry):
        found = _entry(nodes[-1], key)
        if found is None:
            break
        nodes.append(found[1])
    if len(nodes) < 2 or nodes[1].id != 'mapping':
        return None, 'the machine configuration has no %s section (%s.%s.image)' % (
            field.section, field.section, field.entry)
    return _Target(index, (field.section, field.entry, 'image'), nodes), ''


def config_image(config_text: str, component: str) -> Optional[str]:
    """The image the configuration sets for the component, None when it sets none."""
    target, _why = _locate(config_text, component)
    if target is None or len(target.nodes) < len(target.path):
        return None
    found = _entry(target.nodes[-1], 'image')
    return _scalar(found[1]) if found else None


def _render(image: str, style: Optional[str]) -> str:
    if style == "'":
        return "'%s'" % image.replace("'", "''")
    if style is None and _PLAIN.match(image) and yaml.safe_load(image) == image:
        return image
    return json.dumps(image)


def _newline(text: str) -> str:
    return '\r\n' if '\r\n' in text else '\n'


def _line_start(text: str, index: int) -> int:
    return text.rfind('\n', 0, index) + 1


def _after_line(text: str, index: int) -> tuple[str, int]:
    """The text (given a final newline if it has none) and the index of the line after the one at ``index``."""
    end = text.find('\n', index)
    if end < 0:
        text += _newline(text)
        end = len(text) - 1
    return text, end + 1


def _block(keys: list[str], image: str, indent: int, step: int, newline: str) -> str:
    """``keys[0]:`` nesting down to ``keys[-1]: image``, the first at ``indent``, each level ``step`` deeper."""
    lines = ['%s%s:' % (' ' * (indent + step * depth), key) for depth, key in enumerate(keys)]
    return newline.join(lines) + ' ' + _render(image, None)


def _insert_block(text: str, mapping: Any, keys: list[str], image: str, step: int) -> str:
    """Add ``keys`` to a block mapping at the indentation of its keys: after its ``kind`` line when it has one (a
    typed document, where upstream writes ``image`` right after the header), else above its first key."""
    kind = _entry(mapping, 'kind')
    if kind is not None and kind[1].id == 'scalar':
        indent = kind[0].start_mark.column
        text, at = _after_line(text, kind[1].end_mark.index)
    else:
        # Keys of a block mapping nested under a key each start their own line.
        indent = mapping.value[0][0].start_mark.column
        at = _line_start(text, mapping.value[0][0].start_mark.index)
    newline = _newline(text)
    return text[:at] + _block(keys, image, indent, step, newline) + newline + text[at:]


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _indent_step(target: _Target) -> int:
    """One indentation level of the document: how far the section's keys sit from the document's (2 if unknown)."""
    if len(target.nodes) > 1 and target.nodes[1].id == 'mapping' and target.nodes[1].flow_style is False:
        return target.nodes[1].value[0][0].start_mark.column - target.nodes[0].value[0][0].start_mark.column
    return 2


def _replace_scalar(text: str, target: _Target, value: Any, image: str) -> str:
    """The image written over the existing value, in the value's quoting (``image:`` with nothing gets a space)."""
    if value.id != 'scalar':
        raise TalosError('%s is not a string (line %d)' % ('.'.join(target.path), value.start_mark.line + 1))
    start, end = value.start_mark.index, value.end_mark.index
    if text[start:start + 1] in ('&', '!'):
        raise TalosError('%s (line %d) carries a YAML anchor or tag; write the image as a plain value'
                         % ('.'.join(target.path), value.start_mark.line + 1))
    new = _render(image, value.style if value.style in ('"', "'") else None)
    return _replace(text, start, end, new if start < end else ' ' + new)


def _insert_flow(text: str, mapping: Any, keys: list[str], image: str) -> str:
    """``{a: b}`` becomes ``{key: ..., a: b}``: the new entry first, so nothing else on the line moves."""
    inner = _render(image, None)
    for nested in reversed(keys[1:]):
        inner = '{%s: %s}' % (nested, inner)
    at = mapping.start_mark.index + 1
    return _replace(text, at, at, '%s: %s, ' % (keys[0], inner))


def _fill_empty(text: str, target: _Target, keys: list[str], image: str) -> str:
    """``entry:``, ``entry: null`` or ``entry: {}`` becomes a block mapping holding the image."""
    holder, parent = target.nodes[-1], target.nodes[-2]
    key = next(k for k, v in parent.value if v is holder)
    step = _indent_step(target)
    new = ':' + _newline(text) + _block(keys, image, key.start_mark.column + step, step, _newline(text))
    return _replace(text, key.end_mark.index, holder.end_mark.index, new)


def _set(text: str, target: _Target, image: str) -> str:
    """The text with ``image`` at the target's path: the deepest existing node edited, missing keys inserted."""
    holder = target.nodes[-1]
    missing = list(target.path[len(target.nodes) - 1:])
    found = _entry(holder, 'image') if len(missing) == 1 else None
    if found is not None:
        return _replace_scalar(text, target, found[1], image)
    if holder.id == 'mapping' and holder.value:
        if holder.flow_style:
            return _insert_flow(text, holder, missing, image)
        return _insert_block(text, holder, missing, image, _indent_step(target))
    if holder.id == 'mapping' or _is_null(holder):
        return _fill_empty(text, target, missing, image)
    raise TalosError('%s is not a mapping (line %d)'
                     % ('.'.join(target.path[:len(target.nodes) - 1]), holder.start_mark.line + 1))


def _expected(text: str, target: _Target, image: str) -> list:
    """The original documents as data, with only the image set: what the edited text must read back as."""
    documents = [document for document in yaml.safe_load_all(text) if document is not None]
    holder = documents[target.index]
    for key in target.path[:-1]:
        if not isinstance(holder.get(key), dict):
            holder[key] = {}
        holder = holder[key]
    holder[target.path[-1]] = image
    return documents


def with_image(config_text: str, component: str, image: str) -> str:
    """The configuration with the component's image set to ``image`` and every other byte unchanged (a missing
    key is inserted at the document's indentation); a TalosError when it has no place for the image."""
    target, why = _locate(config_text, component)
    if target is None:
        raise TalosError('cannot set the %s image: %s' % (component, why))
    try:
        edited = _set(config_text, target, image)
    except TalosError as exc:
        raise TalosError('cannot set the %s image: %s' % (component, exc.message)) from None
    try:
        read_back = [document for document in yaml.safe_load_all(edited) if document is not None]
    except yaml.YAMLError:
        read_back = None
    if read_back != _expected(config_text, target, image):
        raise TalosError('cannot set the %s image: the edited machine configuration would differ elsewhere (%s '
                         'is written in a way this edit does not handle)' % (component, '.'.join(target.path)))
    return edited
