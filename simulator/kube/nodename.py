# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A machine's Kubernetes node name, and Talos's Nodename resource that carries it.

``internal/app/machined/pkg/controllers/k8s/internal/nodename/nodename.go:FromHostname @ v1.13.9``: letters
are lowercased, digits, '-' and '.' kept, '_' becomes '-', anything else dropped, then leading and
trailing '-'/'.' trimmed. The resource (``pkg/machinery/resources/k8s/nodename.go @ v1.13.9``, written by
``controllers/k8s/nodename.go:NodenameController``): namespace k8s, type Nodenames.kubernetes.talos.dev,
ID ``nodename``, spec {nodename, hostnameVersion, skipNodeRegistration}, protobuf fields 1, 2, 3.
"""

from __future__ import annotations

import string

from simulator import protoenc

NODENAME_TYPE = 'Nodenames.kubernetes.talos.dev'
NODENAME_ID = 'nodename'
_MAP = dict({ch: ch for ch in string.ascii_lowercase + string.digits + '-.'},
            **{ch: ch.lower() for ch in string.ascii_uppercase}, _='-')


def from_hostname(hostname: str) -> str:
    """ASCII only, as Go's rune mapping: other letters are dropped, not lowercased."""
    return ''.join(_MAP.get(ch, '') for ch in hostname).strip('-.')


def nodename_proto(nodename: str, hostname_version: str, skip_registration: bool = False) -> bytes:
    """NodenameSpec on the wire (the collection's generated code has no k8s definitions; the message is three
    plain fields)."""
    return protoenc.encode([(1, nodename), (2, hostname_version), (3, skip_registration)])


def nodename_spec(nodename: str, hostname_version: str, skip_registration: bool = False) -> dict:
    return {'nodename': nodename, 'hostnameVersion': hostname_version, 'skipNodeRegistration': skip_registration}
