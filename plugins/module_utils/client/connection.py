# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings: explicit options over the talosconfig context, validated up front.

Private module: free to change between releases.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.pki import (PKIError, load_certificates,
                                                                             load_private_key)

TALOS_API_PORT = 50000
MAX_PORT = 65535
DEFAULT_TIMEOUT = 30.0


@dataclass
class ConnectionSettings:
    """Everything needed to reach Talos nodes, already validated."""

    endpoints: list[str]
    nodes: list[str] = field(default_factory=list)
    ca: bytes | None = None
    crt: bytes | None = None
    key: bytes | None = None
    insecure: bool = False
    cert_fingerprint: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    context: str | None = None
    talosconfig: str | None = None
    cert_source: str | None = None  # where the client certificate came from, for error messages

    def node_label(self, node: str | None) -> str:
        """The node a call for ``node`` reaches: the node, or for a node-less call the first endpoint, which serves it.

        The one place that rule lives: results name nodes with it and insecure calls dial it.
        """
        return node or self.endpoints[0]


def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """(host, port) of a talosconfig endpoint: ``host``, ``host:port``, ``[v6]:port``, ``https://host``."""
    text = endpoint.strip()
    default_port = TALOS_API_PORT
    if '://' in text:
        scheme, text = text.split('://', 1)
        if scheme == 'https':
            default_port = 443
        text = text.rstrip('/')
    if text.startswith('['):
        host, _sep, rest = text[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    elif text.count(':') == 1:
        host, port = text.split(':')
    else:  # plain name, IPv4 or bare IPv6
        host, port = text, ''
    if not host:
        raise TalosError('endpoint %r has no host' % endpoint)
    if not port:
        return host, default_port
    if not port.isdigit() or not 1 <= int(port) <= MAX_PORT:
        # int() alone would take ' 5', '-1' and '+5', and a socket refuses ports past 65535 with a traceback
        raise TalosError('endpoint %r has an invalid port %r (1-%d)' % (endpoint, port, MAX_PORT))
    return host, int(port)


def _checked_endpoints(endpoints: list[str], origin: str) -> list[str]:
    """``endpoints`` as given, each one parsed now, so a bad one is reported with where it came from."""
    for endpoint in endpoints:
        if not isinstance(endpoint, str):
            raise TalosError('%s: endpoint %r is not a string' % (origin, endpoint))
        try:
            parse_endpoint(endpoint)
        except TalosError as exc:
            raise TalosError('%s: %s' % (origin, exc.message)) from None
    return endpoints


def _timeout(value: Any) -> float:
    """The timeout option: seconds, positive and finite (unset: the default)."""
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise TalosError('option timeout: %r is not a number of seconds' % (value,)) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise TalosError('option timeout: a duration in seconds must be greater than 0, not %s' % (value,))
    return seconds


def read_pem_option(name: str, value: str | None) -> bytes | None:
    """A PEM option given either inline or as a file path."""
    if not value:
        return None
    if value.lstrip().startswith('-----BEGIN'):
        return value.encode('ascii', 'replace')
    path = os.path.expanduser(value)
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as exc:
        # The key option is no_log: Ansible would mask its value (the path) anyway.
        shown = 'the file given' if name == 'client_key' else path
        raise TalosError('option %s: cannot read %s: %s' % (name, shown, exc.strerror or exc)) from None


# (settings field, connection option, talosconfig context field, what it is)
MATERIAL = (
    ('ca', 'ca', 'ca', 'CA certificate'),
    ('crt', 'client_cert', 'crt', 'client certificate'),
    ('key', 'client_key', 'key', 'client key'),
)


def _validate_material(settings: ConnectionSettings, options: Mapping[str, Any], source: str) -> None:
    """Parse the PEM material now, so a bad value is reported with where it came from."""
    for attr, option, ctx_field, what in MATERIAL:
        value = getattr(settings, attr)
        origin = 'option %s' % option if options.get(option) else 'context field %s' % ctx_field
        label = '%s %s (%s)' % (source, what, origin)
        try:
            if attr == 'key':
                load_private_key(value, label)
            else:
                load_certificates(value, label)
        except PKIError as exc:
            raise TalosError(str(exc)) from None


def _needs_talosconfig(options: Mapping[str, Any], insecure: bool) -> bool:
    """Read the file only for what the options leave out: a named context, or the mTLS material.

    The talosconfig option (or $TALOSCONFIG, its fallback) says where the file is, not that it is needed.
    """
    if options.get('context'):
        return True
    if insecure:
        return False
    return not all(options.get(k) for k in ('endpoints', 'ca', 'client_cert', 'client_key'))


def settings_from_options(options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ConnectionSettings:
    """Merge explicit connection options over the selected talosconfig context.

    ``options`` uses the names of the connection doc fragment (talosconfig, context, endpoints,
    nodes, ca, client_cert, client_key, insecure, cert_fingerprint, timeout).
    """
    insecure = bool(options.get('insecure'))
    ctx = talosconfig.Context(name='')
    path = None
    if _needs_talosconfig(options, insecure):
        try:
            path = talosconfig.resolve_path(options.get('talosconfig'), env)
            ctx = talosconfig.load(path).select(options.get('context'))
        except talosconfig.TalosconfigError as exc:
            raise TalosError(str(exc)) from None
    settings = ConnectionSettings(
        endpoints=list(options.get('endpoints') or ctx.endpoints),
        nodes=list(options.get('nodes') or ctx.nodes),
        ca=read_pem_option('ca', options.get('ca')) or ctx.ca,
        crt=read_pem_option('client_cert', options.get('client_cert')) or ctx.crt,
        key=read_pem_option('client_key', options.get('client_key')) or ctx.key,
        insecure=insecure,
        cert_fingerprint=options.get('cert_fingerprint') or None,
        timeout=_timeout(options.get('timeout')),
        context=ctx.name or None,
        talosconfig=path,
    )
    source = 'talosconfig %s, context %r:' % (path, ctx.name) if path else 'options:'
    _checked_endpoints(settings.endpoints, 'option endpoints' if options.get('endpoints')
                       else '%s field endpoints' % source.rstrip(':'))
    if insecure:
        # Maintenance mode: no client identity; talk to each node directly.
        settings.ca = settings.crt = settings.key = None
        if not settings.endpoints:
            settings.endpoints = list(settings.nodes)
        if not settings.endpoints:
            raise TalosError('insecure: no nodes or endpoints to connect to')
        return settings
    if not settings.endpoints:
        raise TalosError('%s no endpoints: set the endpoints option or add endpoints to the context' % source)
    missing = ['%s (option %s)' % (what, option) for attr, option, _field, what in MATERIAL
               if not getattr(settings, attr)]
    if missing:
        raise TalosError('%s missing %s for mutual TLS (or use insecure for maintenance mode)'
                         % (source, ', '.join(missing)))
    _validate_material(settings, options, source.rstrip(':'))
    settings.cert_source = ('option client_cert' if options.get('client_cert')
                            else '%s (context field crt)' % source.rstrip(':'))
    return settings
