# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config patches as ``talosctl --config-patch`` takes them: strategic merge patches and RFC 6902 JSON patches.

A patch argument is ``@file``, inline text (anything with a space or newline, or starting with
``[`` or ``{``) or a bare file name. Its content is a strategic merge patch when it loads as a
(multi-document) machine config, ``$patch: delete`` allowed; otherwise a JSON6902 patch, JSON or
YAML. Consecutive JSON6902 patches are joined into one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Union

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.configpatch import jsonpatch, merge
from ansible_collections.talos.linux.plugins.module_utils.configpatch.deletes import Selector, extract_deletes
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, encoder
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import (ConfigError, MachineConfigError,
                                                                                       PatchError)


@dataclass
class StrategicPatch:
    """Documents to merge, with the delete selectors that precede each document."""

    items: list[Union[documents.Document, Selector]]
    raw: str
    label: str = 'patch'

    def kinds(self) -> list[str]:
        return [d.kind for d in self.items if isinstance(d, documents.Document)]

    def bytes(self) -> str:
        return self.raw


@dataclass
class JSONPatch:
    operations: list[dict[str, Any]] = field(default_factory=list)
    label: str = 'patch'


Patch = Union[StrategicPatch, JSONPatch]


def load_strategic(text: str, label: str = 'patch') -> StrategicPatch:
    """Load a strategic merge patch; raises ConfigError when text is not one."""
    nodes = documents.compose(text, label)
    items: list[Union[documents.Document, Selector]] = []
    for index, node in enumerate(nodes):
        if node.id != 'mapping':
            raise ConfigError('%s: document %d is not a YAML mapping' % (label, index + 1))
        selectors, remaining = extract_deletes(node, index, label)
        items.extend(selectors)
        if remaining is None:
            continue
        items.append(documents.decode_node(remaining, index, label))
    return StrategicPatch(items, text, label)


def load_patch(text: str | bytes, label: str = 'patch') -> Patch:
    """One patch from its content, as upstream's loader decides its type."""
    if isinstance(text, bytes):
        text = text.decode('utf-8')
    try:
        return load_strategic(text, label)
    except MachineConfigError as exc:
        strategic_error = exc
    try:
        ops = json.loads(text)
        if isinstance(ops, list) and all(isinstance(op, dict) for op in ops):
            return JSONPatch(ops, label)
        json_error: Exception = PatchError('%s: a JSON patch must be a list of operations' % label)
    except ValueError as exc:
        json_error = PatchError('%s: invalid JSON patch: %s' % (label, exc))
    try:
        ops = yaml.safe_load(text)
    except yaml.YAMLError:
        ops = None
    if isinstance(ops, list) and all(isinstance(op, dict) for op in ops):
        return JSONPatch(ops, label)
    if text.strip().startswith('['):
        raise json_error
    raise PatchError(str(strategic_error))


def _read(path: str, label: str, base_dir: str | None) -> str:
    full = os.path.join(base_dir, path) if base_dir and not os.path.isabs(path) else path
    try:
        with open(full, encoding='utf-8') as f:
            return f.read()
    except OSError as exc:
        raise PatchError('%s: cannot read %s: %s' % (label, full, exc.strerror or exc)) from None


def patch_source(argument: Any, index: int, base_dir: str | None = None) -> tuple[str, str]:
    """(content, label) of one patch argument in any of talosctl's forms, or a dict/list patch."""
    label = 'patch %d' % (index + 1)
    if isinstance(argument, (dict, list)):
        docs = argument if isinstance(argument, list) and all(
            isinstance(d, dict) and 'op' not in d for d in argument) and argument else [argument]
        if isinstance(argument, list) and any(isinstance(d, dict) and 'op' in d for d in argument):
            return json.dumps(argument), label
        return encoder.dump_all(docs), label
    if not isinstance(argument, str):
        raise PatchError('%s: expected a string, a mapping or a list, got %s' % (label, type(argument).__name__))
    if argument.startswith('@'):
        return _read(argument[1:], '%s (%s)' % (label, argument), base_dir), '%s (%s)' % (label, argument)
    if not any(ch in argument for ch in '\n ') and not argument.startswith(('[', '{')):
        return _read(argument, '%s (%s)' % (label, argument), base_dir), '%s (%s)' % (label, argument)
    return argument, label


def load_patches(arguments: list[Any], base_dir: str | None = None) -> list[Patch]:
    """Load patch arguments in order, joining consecutive JSON6902 patches."""
    result: list[Patch] = []
    for index, argument in enumerate(arguments):
        text, label = patch_source(argument, index, base_dir)
        loaded = load_patch(text, label)
        if isinstance(loaded, JSONPatch) and result and isinstance(result[-1], JSONPatch):
            result[-1].operations.extend(loaded.operations)
        else:
            result.append(loaded)
    return result


def strategic_merge(config: documents.Config, patch: StrategicPatch) -> documents.Config:
    """Apply a strategic merge patch to a copy of config."""
    left = [d.clone() for d in config.documents]
    for item in patch.items:
        target = next((d for d in left if d.id == item.id), None)
        if isinstance(item, Selector):
            if target is None:
                continue  # deleting what is not there is fine
            if item.apply_to(target, patch.label):
                left.remove(target)
            continue
        if target is None:
            left.append(item.clone())
            continue
        target.value = merge.merge(target.value, item.value, target.type)
    return documents.Config(left)


def json6902(text: str, ops: list[dict[str, Any]], label: str = 'patch') -> str:
    """Apply a JSON6902 patch to raw single-document YAML; the result is written as upstream's JSON path does."""
    try:
        count = len(documents.compose(text, 'machine configuration'))
    except ConfigError as exc:
        raise PatchError('%s: %s' % (label, exc)) from None
    if count != 1:
        raise PatchError('%s: JSON6902 patches are not supported for multi-document machine configuration' % label)
    data = json.loads(json.dumps(yaml.safe_load(text), default=str))
    try:
        data = jsonpatch.apply(data, ops)
    except jsonpatch.JSONPatchError as exc:
        raise PatchError('%s: failure applying rfc6902 patches to talos machine config: %s' % (label, exc)) from None
    return encoder.dump_v2(data)


class _State:
    """Upstream's config-or-bytes: converting between the two forms only when a patch needs the other."""

    def __init__(self, config: documents.Config | None = None, text: str | None = None):
        self.config = config
        self.text = text

    def get_text(self) -> str:
        if self.text is None:
            self.text = self.config.encode()
        return self.text

    def get_config(self) -> documents.Config:
        if self.config is None:
            self.config = documents.loads(self.text)
        return self.config


def apply(config: documents.Config | str, patches: list[Patch]) -> str:
    """Apply loaded patches in order; returns the resulting config text (the input text if no patches)."""
    state = _State(config=config) if isinstance(config, documents.Config) else _State(text=config)
    for patch in patches:
        if isinstance(patch, JSONPatch):
            state = _State(text=json6902(state.get_text(), patch.operations, patch.label))
        else:
            state = _State(config=strategic_merge(state.get_config(), patch))
    return state.get_text()


def apply_patches(config: documents.Config | str, arguments: list[Any], base_dir: str | None = None) -> str:
    """Load patch arguments (talosctl forms, dicts or lists) and apply them."""
    return apply(config, load_patches(arguments, base_dir))
