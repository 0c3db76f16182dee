# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the client_config module computes: a talosconfig context generated from a secrets bundle, or the
contexts of another talosconfig merged in, without disturbing what is already there.

Names follow ``talosctl config merge``: a context whose name is taken by a different context is
renamed to the first free ``name-N`` (unless forced over it). To stay idempotent, a context that is
already present under its name or one of those ``name-N`` names is recognized and left alone: for a
merge, an identical context; for a generated context, one issued by the bundle's OS CA for the same
roles, whose certificate is renewed when it expires within ``renew_before``.

With ``renew_within``, nothing is generated: the contexts whose client certificate the bundle's OS CA
issued and which expire within that window get a new certificate for the same roles (endpoints,
nodes and CA untouched); run again, it finds nothing to renew.

Private module: free to change between releases.
"""

from __future__ import annotations

import base64
import copy
import binascii
import datetime
from dataclasses import dataclass, field
from typing import Any, Iterator

try:
    from cryptography.exceptions import InvalidSignature
except ImportError:  # the module reports the missing library
    InvalidSignature = ValueError  # type: ignore[assignment,misc]

from ansible_collections.talos.linux.plugins.module_utils.client import pki, talosconfig as _talosconfig
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.configgen import talosconfig
from ansible_collections.talos.linux.plugins.module_utils.configgen.machine_config import load_bundle
from ansible_collections.talos.linux.plugins.module_utils.frontend import files, redact
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import go_duration
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import MachineConfigError


class ClientConfigError(TalosError):
    """Parameters that cannot make a talosconfig."""


@dataclass
class Outcome:
    changed: bool
    contexts: list[str] = field(default_factory=list)
    current: str = ''
    renames: list[dict[str, str]] = field(default_factory=list)
    diff: dict[str, str] | None = None
    renewed: list[str] = field(default_factory=list)
    content: str = ''  # the talosconfig as written (or as it would be in check mode)


# The roles a Talos client certificate can carry (pkg/machinery/role/role.go:All @ v1.14.0-rc.1); talosctl
# refuses others ("unknown roles", cmd/talosctl/cmd/talos/config.go:configNewCmd @ v1.14.0-rc.1).
KNOWN_ROLES = ('os:admin', 'os:operator', 'os:reader', 'os:etcd:backup', 'os:image:verifier', 'os:meta:writer',
               'os:impersonator')


def duration(value: Any, name: str, positive: bool = False) -> datetime.timedelta:
    """A Go duration (``8760h``, ``720h30m``) or a number of seconds, as a timedelta; errors name the option.

    Negative durations are refused, and so is zero when ``positive``.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result = datetime.timedelta(seconds=value)
    elif str(value).strip().isdigit():
        result = datetime.timedelta(seconds=int(str(value).strip()))
    else:
        try:
            result = datetime.timedelta(microseconds=go_duration.parse_duration(str(value).strip()) / 1000)
        except ValueError:
            raise ClientConfigError('%s: invalid duration %r (use e.g. 8760h or 720h30m)'
                                    % (name, str(value).strip())) from None
    if result < datetime.timedelta(0) or (positive and not result):
        kind = 'positive' if positive else 'non-negative'
        raise ClientConfigError('%s: must be a %s duration, got %r' % (name, kind, value))
    return result


def check_roles(roles: list[str]) -> list[str]:
    """The roles of a new client certificate; ClientConfigError naming ``roles`` when one is unknown or empty."""
    unknown = [role for role in roles if role.strip() not in KNOWN_ROLES]
    if unknown:
        raise ClientConfigError('roles: unknown role(s) %s; Talos knows %s' % (', '.join(repr(r) for r in unknown),
                                                                               ', '.join(KNOWN_ROLES)))
    if not roles:
        raise ClientConfigError('roles: at least one role is required')
    return [role.strip() for role in roles]


def check_options(params: dict[str, Any]) -> None:
    """Every option that shapes a certificate, checked before anything is generated or written."""
    if params.get('src'):
        return
    check_roles(list(params.get('roles') or talosconfig.DEFAULT_ROLES))
    duration(params.get('ttl', '8760h'), 'ttl', positive=True)
    duration(params.get('renew_before', '720h'), 'renew_before')
    if params.get('renew_within') is not None:
        duration(params['renew_within'], 'renew_within')


def _candidates(contexts: dict[str, Any], name: str) -> Iterator[str]:
    """name, name-1, name-2, ... up to and including the first name not in use."""
    yield name
    suffix = 1
    candidate = name
    while candidate in contexts:
        candidate = '%s-%d' % (name, suffix)
        suffix += 1
        yield candidate


def _decode(raw: Any) -> bytes | None:
    try:
        return base64.b64decode(str(raw or ''), validate=True) or None
    except (binascii.Error, ValueError):
        return None


def _issued_by(ctx: dict[str, Any], ca_pem: bytes) -> Any:
    """ctx's client certificate when ca_pem issued it and ctx holds its key, else None."""
    crt, key = _decode(ctx.get('crt')), _decode(ctx.get('key'))
    if crt is None or key is None:
        return None
    try:
        cert = pki.load_certificates(crt)[0]
        cert.verify_directly_issued_by(pki.load_certificates(ca_pem)[0])
        if pki.load_private_key(key).public_key() != cert.public_key():
            return None
    except (ValueError, TypeError, InvalidSignature, pki.PKIError):
        return None
    return cert


def _renew(config: _talosconfig.Talosconfig, params: dict[str, Any], now: datetime.datetime) -> Outcome:
    bundle = load_bundle(params['secrets'])
    ca_pem = base64.b64decode(bundle['certs']['os']['crt'])
    due = now + duration(params['renew_within'], 'renew_within')
    ttl = duration(params.get('ttl', '8760h'), 'ttl', positive=True)
    wanted = params.get('context')
    if wanted and wanted not in config.contexts:
        raise ClientConfigError('context: %r is not a context of %s' % (wanted, params['dest']))
    renewed = []
    for name in [wanted] if wanted else sorted(config.contexts):
        ctx = config.contexts[name]
        cert = _issued_by(ctx, ca_pem)
        if cert is None:
            if wanted:
                raise ClientConfigError('context %r: its client certificate was not issued by the OS CA of secrets, '
                                        'which cannot renew it' % name)
            continue  # another cluster's context: not ours to renew
        if cert.not_valid_after_utc > due:
            continue
        roles = pki.certificate_roles(_decode(ctx.get('crt')) or b'')
        fresh = talosconfig.client_context(bundle, roles=roles, ttl=ttl)
        config.contexts[name] = dict(ctx, crt=fresh['crt'], key=fresh['key'])
        renewed.append(name)
    return Outcome(False, renewed, config.context, [], renewed=renewed)


def _not_after(ctx: dict[str, Any], ca_pem: bytes, roles: list[str]) -> datetime.datetime | None:
    """Expiry of ctx's client certificate when ctx was issued by this CA for these roles, else None."""
    ca, crt, key = _decode(ctx.get('ca')), _decode(ctx.get('crt')), _decode(ctx.get('key'))
    if ca is None or crt is None or key is None:
        return None
    try:
        if pki.load_certificates(ca)[0] != pki.load_certificates(ca_pem)[0]:
            return None
        cert = pki.load_certificates(crt)[0]
        cert.verify_directly_issued_by(pki.load_certificates(ca_pem)[0])
        if pki.load_private_key(key).public_key() != cert.public_key():
            return None
    except (ValueError, TypeError, pki.PKIError):
        return None
    if sorted(pki.certificate_roles(crt)) != sorted(roles):
        return None
    return cert.not_valid_after_utc


def _generate(config: _talosconfig.Talosconfig, params: dict[str, Any], now: datetime.datetime) -> Outcome:
    name = params.get('context')
    if not name:
        raise ClientConfigError('context: the name of the context to generate is required with secrets')
    bundle = load_bundle(params['secrets'])
    ca_pem = base64.b64decode(bundle['certs']['os']['crt'])
    roles = check_roles(list(params.get('roles') or talosconfig.DEFAULT_ROLES))
    endpoints, nodes = list(params.get('endpoints') or []), list(params.get('nodes') or [])
    renew_at = now + duration(params.get('renew_before', '720h'), 'renew_before')
    ttl = duration(params.get('ttl', '8760h'), 'ttl', positive=True)
    slot, expiry = None, None
    for candidate in [name] if params.get('force') else _candidates(config.contexts, name):
        if candidate in config.contexts:
            expiry = _not_after(config.contexts[candidate], ca_pem, roles)
            if expiry is not None:
                slot = candidate
                break
    if slot is None:
        slot = name if params.get('force') else list(_candidates(config.contexts, name))[-1]
    current = config.contexts.get(slot)
    if expiry is None or expiry <= renew_at:
        config.contexts[slot] = talosconfig.client_context(bundle, endpoints, nodes, roles, ttl)
    else:
        updated = dict(current)
        updated['endpoints'] = endpoints
        if nodes:
            updated['nodes'] = nodes
        else:
            updated.pop('nodes', None)
        config.contexts[slot] = updated
    config.context = slot
    renames = [{'from': name, 'to': slot}] if slot != name else []
    return Outcome(False, [slot], slot, renames)


def _merge(config: _talosconfig.Talosconfig, params: dict[str, Any]) -> Outcome:
    incoming = _talosconfig.load(params['src'])
    names, renames, mapping = [], [], {}
    for name, ctx in incoming.contexts.items():
        slot = None
        for candidate in [name] if params.get('force') else _candidates(config.contexts, name):
            if config.contexts.get(candidate) == ctx:
                slot = candidate
                break
        if slot is None:
            slot = name if params.get('force') else list(_candidates(config.contexts, name))[-1]
            config.contexts[slot] = dict(ctx)
        mapping[name] = slot
        names.append(slot)
        if slot != name:
            renames.append({'from': name, 'to': slot})
    if incoming.context:
        config.context = mapping.get(incoming.context, '')
    return Outcome(False, names, config.context, renames)


def reconcile(params: dict[str, Any], check_mode: bool, now: datetime.datetime | None = None) -> Outcome:
    """Generate or merge into the talosconfig at ``dest``; write it when its content changes."""
    path = params['dest']
    check_options(params)
    files.check_parent(path)
    if not check_mode:
        files.remove_stale_temps(path)
    before_text = files.read_text(path)
    try:
        config = _talosconfig.loads(before_text or '', path)
        before = copy.deepcopy(config.to_dict()) if before_text is not None else None
        if params.get('src'):
            outcome = _merge(config, params)
        elif params.get('renew_within'):
            if before_text is None:
                raise ClientConfigError('dest: %s does not exist: there is no talosconfig to renew' % path)
            outcome = _renew(config, params, now or datetime.datetime.now(datetime.timezone.utc))
        else:
            outcome = _generate(config, params, now or datetime.datetime.now(datetime.timezone.utc))
    except (_talosconfig.TalosconfigError, MachineConfigError, pki.PKIError) as exc:
        raise ClientConfigError(str(exc)) from None
    after_text = _talosconfig.dumps(config)
    outcome.changed = before != config.to_dict()
    if outcome.changed and not check_mode:
        files.atomic_write(path, after_text)
    outcome.content = after_text if outcome.changed else before_text or ''
    outcome.diff = {'before_header': path, 'after_header': path,
                    'before': redact.redact_text(before_text), 'after': redact.redact_text(after_text)}
    return outcome
