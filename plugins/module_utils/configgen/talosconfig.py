# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talosconfig contexts generated from a secrets bundle: a client certificate signed by the OS CA."""

from __future__ import annotations

import base64
import datetime
from typing import Sequence

from ansible_collections.talos.linux.plugins.module_utils.client import pki, talosconfig

DEFAULT_ROLES = ('os:admin',)
DEFAULT_TTL = datetime.timedelta(days=365)


def client_context(bundle: dict, endpoints: Sequence[str] = (), nodes: Sequence[str] = (),
                   roles: Sequence[str] = DEFAULT_ROLES, ttl: datetime.timedelta = DEFAULT_TTL) -> dict:
    """A context mapping (as talosctl writes it) with a fresh client certificate for ``roles``."""
    os_ca = bundle['certs']['os']
    ca = pki.CertAndKey(base64.b64decode(os_ca['crt']), base64.b64decode(os_ca['key']))
    client = pki.issue_certificate(ca, organizations=list(roles), client=True, lifetime=ttl)
    return talosconfig.encode_context(list(endpoints), list(nodes), ca.crt, client.crt, client.key)


def generate(bundle: dict, context: str, endpoints: Sequence[str] = (), nodes: Sequence[str] = (),
             roles: Sequence[str] = DEFAULT_ROLES, ttl: datetime.timedelta = DEFAULT_TTL) -> talosconfig.Talosconfig:
    """A talosconfig holding one context, made current."""
    ctx = client_context(bundle, endpoints, nodes, roles, ttl)
    return talosconfig.Talosconfig(path=None, context=context, contexts={context: ctx})
