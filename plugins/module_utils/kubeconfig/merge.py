# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merging a Talos admin kubeconfig into an existing one, as talosctl does, but idempotent.

talosctl's rules: an entry (cluster, user, context) whose name is taken by a *different* entry is
renamed ``<name>-1``, ``-2``, ... (or overwritten with force); renamed cluster and user names carry
into the context name; a chosen context name overrides it; the merged context becomes current.

Talos issues a new client certificate on every call, so "the same entry" cannot mean "equal": a
cluster is the same when server and CA are; a user is the same when its certificate was issued by
that cluster's CA and stays valid for longer than ``renew_before`` (then it is kept, not replaced).
Private module: free to change between releases.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
from dataclasses import dataclass, field
from typing import Any

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
except ImportError:
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

SECTIONS = (('clusters', 'cluster'), ('users', 'user'), ('contexts', 'context'))


@dataclass
class MergeResult:
    config: dict[str, Any]
    context: str  # name of the merged context (now current)
    renames: list[dict[str, str]] = field(default_factory=list)  # {kind, from, to}
    changed: bool = False


def _cert(data: str | None) -> 'x509.Certificate | None':
    if not data:
        return None
    try:
        return x509.load_pem_x509_certificate(base64.b64decode(data))
    except (ValueError, binascii.Error):
        return None


def issued_by(user: dict[str, Any], ca_data: str) -> bool:
    """Whether the user's client certificate was signed by this CA (names can collide: check the signature)."""
    cert, ca = _cert(user.get('client-certificate-data')), _cert(ca_data)
    if cert is None or ca is None or cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def user_still_good(existing: dict[str, Any], ca_data: str, renew_before: datetime.timedelta,
                    now: datetime.datetime) -> bool:
    """An existing user entry is kept when its certificate comes from this CA and is not about to expire."""
    if not issued_by(existing, ca_data):
        return False
    return _cert(existing.get('client-certificate-data')).not_valid_after_utc - now > renew_before


def _by_name(config: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    return {entry.get('name'): entry for entry in config.get(section) or [] if isinstance(entry, dict)}


class _Merger:
    def __init__(self, base: dict[str, Any], force: bool, renew_before: datetime.timedelta,
                 now: datetime.datetime) -> None:
        self.config = copy.deepcopy(base) if base else {}
        self.config.setdefault('apiVersion', 'v1')
        self.config.setdefault('kind', 'Config')
        for section, _key in SECTIONS:
            if not isinstance(self.config.get(section), list):
                self.config[section] = []
        self.force = force
        self.renew_before = renew_before
        self.now = now
        self.renames: list[dict[str, str]] = []
        self.changed = False

    def same(self, kind: str, existing: dict[str, Any], new: dict[str, Any], ca_data: str) -> bool:
        if kind == 'cluster':
            keys = ('server', 'certificate-authority-data')
            return all(existing.get(k) == new.get(k) for k in keys)
        if kind == 'user':
            return user_still_good(existing, ca_data, self.renew_before, self.now)
        return existing == new

    def place(self, section: str, kind: str, name: str, body: dict[str, Any], ca_data: str,
              fixed_name: bool = False) -> str:
        """Put the entry under name (or a free/equal name-N); returns the name used."""
        entries = _by_name(self.config, section)
        candidate, suffix = name, 0
        while True:
            existing = entries.get(candidate)
            if existing is None:
                self.config[section].append({'name': candidate, kind: body})
                self.changed = True
                break
            if self.same(kind, existing.get(kind) or {}, body, ca_data):
                break  # already there: keep it (a user with a good certificate keeps that certificate)
            if self.force or fixed_name or (kind == 'user' and self._renewable(candidate, ca_data)):
                existing[kind] = body
                self.changed = True
                break
            suffix += 1
            candidate = '%s-%d' % (name, suffix)
        if candidate != name:
            self.renames.append({'kind': kind, 'from': name, 'to': candidate})
        return candidate

    def _renewable(self, name: str, ca_data: str) -> bool:
        """Our own user whose certificate expires soon: replace it rather than rename the new one."""
        existing = _by_name(self.config, 'users')[name].get('user') or {}
        return issued_by(existing, ca_data)


def merge(base: dict[str, Any] | None, new: dict[str, Any], force: bool = False, context_name: str | None = None,
          renew_before: datetime.timedelta = datetime.timedelta(days=30),
          now: datetime.datetime | None = None) -> MergeResult:
    """Merge the single cluster/user/context of ``new`` into ``base`` (not modified)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    merger = _Merger(base or {}, force, renew_before, now)
    cluster = new['clusters'][0]
    user = new['users'][0]
    context = new['contexts'][0]
    ca_data = cluster['cluster'].get('certificate-authority-data', '')
    cluster_name = merger.place('clusters', 'cluster', cluster['name'], dict(cluster['cluster']), ca_data)
    user_name = merger.place('users', 'user', user['name'], dict(user['user']), ca_data)
    wanted = context_name or context['name']
    if not context_name:
        # A renamed cluster carries into the context name (admin@talos -> admin@talos-1).
        wanted = wanted.replace(cluster['name'], cluster_name) if cluster_name != cluster['name'] else wanted
    body = dict(context['context'], cluster=cluster_name, user=user_name)
    context_used = merger.place('contexts', 'context', wanted, body, ca_data, fixed_name=bool(context_name))
    if not context_name and wanted != context['name'] and context_used == wanted:
        merger.renames.append({'kind': 'context', 'from': context['name'], 'to': context_used})
    if merger.config.get('current-context') != context_used:
        merger.config['current-context'] = context_used
        merger.changed = True
    merger.config.setdefault('preferences', {})
    return MergeResult(merger.config, context_used, merger.renames, merger.changed)
