# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talosconfig files: where they are, what a context holds, merging, writing.

Private module: free to change between releases.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder
from ansible_collections.talos.linux.plugins.module_utils.client.yaml_loader import safe_load as yaml_safe_load


class TalosconfigError(TalosError):
    """A talosconfig that cannot be found, read or used."""


@dataclass
class Context:
    """One talosconfig context, certificates decoded to PEM bytes."""

    name: str
    endpoints: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    ca: bytes | None = None
    crt: bytes | None = None
    key: bytes | None = None
    cluster: str | None = None


@dataclass
class Talosconfig:
    path: str | None
    context: str
    contexts: dict[str, dict[str, Any]]

    def select(self, name: str | None = None) -> Context:
        """The named context, else the file's current context."""
        chosen = name or self.context
        where = 'talosconfig %s' % (self.path or '(inline)')
        if not chosen:
            raise TalosconfigError('%s: no context given and the file sets no current context' % where)
        if chosen not in self.contexts:
            known = ', '.join(sorted(self.contexts)) or 'none'
            raise TalosconfigError('%s: context %r not found (contexts: %s)' % (where, chosen, known))
        return parse_context(chosen, self.contexts[chosen], where)

    def to_dict(self) -> dict[str, Any]:
        return {'context': self.context, 'contexts': self.contexts}


def default_paths(env: Mapping[str, str]) -> list[str]:
    """Candidate files after $TALOSCONFIG, in the order they are tried."""
    paths = []
    xdg = env.get('XDG_CONFIG_HOME')
    if xdg:
        paths.append(os.path.join(xdg, 'talos', 'config.yaml'))
    talos_home = env.get('TALOS_HOME')
    if talos_home and os.path.isabs(talos_home):
        paths.append(os.path.join(talos_home, 'config'))
    home = env.get('HOME') or os.path.expanduser('~')
    paths.append(os.path.join(home, '.talos', 'config'))
    return paths


def resolve_path(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The talosconfig to use: explicit path, $TALOSCONFIG, then the first default that exists."""
    env = os.environ if env is None else env
    if explicit:
        return os.path.expanduser(explicit)
    if env.get('TALOSCONFIG'):
        return os.path.expanduser(env['TALOSCONFIG'])
    candidates = default_paths(env)
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise TalosconfigError('no talosconfig found: set the talosconfig option or $TALOSCONFIG, or create one of %s'
                           % ', '.join(candidates))


def loads(text: str | bytes, path: str | None = None) -> Talosconfig:
    where = 'talosconfig %s' % (path or '(inline)')
    try:
        data = yaml_safe_load(text)
    except yaml.YAMLError as exc:
        raise TalosconfigError('%s: invalid YAML: %s' % (where, exc)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TalosconfigError('%s: expected a mapping with "context" and "contexts"' % where)
    contexts = data.get('contexts') or {}
    if not isinstance(contexts, dict) or not all(isinstance(v, dict) or v is None for v in contexts.values()):
        raise TalosconfigError('%s: "contexts" must map context names to mappings' % where)
    return Talosconfig(path=path, context=str(data.get('context') or ''),
                       contexts={str(k): dict(v or {}) for k, v in contexts.items()})


def load(path: str) -> Talosconfig:
    try:
        with open(path, 'rb') as f:
            text = f.read()
    except FileNotFoundError:
        raise TalosconfigError('talosconfig %s: file not found' % path) from None
    except OSError as exc:
        raise TalosconfigError('talosconfig %s: cannot read: %s' % (path, exc.strerror or exc)) from None
    return loads(text, path)


def _string_list(raw: dict[str, Any], key: str, where: str) -> list[str]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TalosconfigError('%s: %r must be a list of strings' % (where, key))
    return list(value)


def _pem_field(raw: dict[str, Any], key: str, where: str) -> bytes | None:
    value = raw.get(key)
    if not value:
        return None
    try:
        decoded = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise TalosconfigError('%s: %r is not valid base64' % (where, key)) from None
    if b'-----BEGIN' not in decoded:
        raise TalosconfigError('%s: %r does not decode to PEM' % (where, key))
    return decoded


def parse_context(name: str, raw: dict[str, Any], where: str = 'talosconfig') -> Context:
    where = '%s, context %r' % (where, name)
    endpoints = _string_list(raw, 'endpoints', where)
    if not endpoints and raw.get('target'):  # legacy single-target form
        endpoints = [str(raw['target'])]
    return Context(
        name=name,
        endpoints=endpoints,
        nodes=_string_list(raw, 'nodes', where),
        ca=_pem_field(raw, 'ca', where),
        crt=_pem_field(raw, 'crt', where),
        key=_pem_field(raw, 'key', where),
        cluster=raw.get('cluster') or None,
    )


def encode_context(endpoints: list[str], nodes: list[str], ca: bytes, crt: bytes, key: bytes) -> dict[str, Any]:
    """A context mapping as talosctl writes it (PEM base64-encoded)."""
    ctx: dict[str, Any] = {'endpoints': list(endpoints)}
    if nodes:
        ctx['nodes'] = list(nodes)
    for name, pem in (('ca', ca), ('crt', crt), ('key', key)):
        ctx[name] = base64.b64encode(pem).decode('ascii')
    return ctx


def merge(base: Talosconfig, incoming: Talosconfig) -> list[tuple[str, str]]:
    """Merge incoming into base as ``talosctl config merge`` does; returns (old, new) renames.

    A context keeps its name unless base has it, then takes the first free ``name-N``; contexts are
    copied whole; incoming's current context, when it names one (renamed if needed), becomes current.
    """
    renames = []
    mapping: dict[str, str] = {}
    for name, ctx in incoming.contexts.items():
        new_name = name
        suffix = 1
        while new_name in base.contexts:
            new_name = '%s-%d' % (name, suffix)
            suffix += 1
        if new_name != name:
            renames.append((name, new_name))
        base.contexts[new_name] = dict(ctx)
        mapping[name] = new_name
    if incoming.context:
        base.context = mapping.get(incoming.context, '')
    return renames


_CONTEXT_FIELDS = ('endpoints', 'nodes', 'ca', 'crt', 'key', 'auth', 'cluster', 'proxy-url')


def _writable_context(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A context in talosctl's field order: endpoints always, other fields only when set.

    A legacy ``target`` is folded into the endpoints, as talosctl does when it reads the file;
    fields talosctl does not know are kept after the known ones.
    """
    if raw is None:
        return None
    endpoints = list(raw.get('endpoints') or [])
    if raw.get('target'):
        endpoints.append(raw['target'])
    out: dict[str, Any] = {'endpoints': endpoints}
    for name in _CONTEXT_FIELDS[1:]:
        if raw.get(name):
            out[name] = raw[name]
    extra = [k for k in raw if k not in _CONTEXT_FIELDS and k != 'target']
    for name in sorted(extra, key=encoder.key_order):
        out[name] = raw[name]
    return out


def dumps(config: Talosconfig) -> str:
    """The file text as talosctl writes it: 4-space indentation, ``context`` then ``contexts`` sorted by name."""
    contexts = {name: _writable_context(config.contexts[name])
                for name in sorted(config.contexts, key=encoder.key_order)}
    return encoder.dump({'context': config.context or '', 'contexts': contexts})
