# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets out of what is shown: machine configs, secrets bundles and talosconfigs with key material masked.

Every value under a key that names key material (``key``, ``token``, ``secret``, ``password``,
``passphrase`` and names ending in those words, such as ``bootstraptoken`` or
``secretboxEncryptionSecret``) is replaced by MARKER, and so is any string that is, or
base64-encodes, a PEM private key wherever it sits. Certificates stay: they are public.

Private module: free to change between releases.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder

MARKER = '**REDACTED**'
_SECRET_NAME = re.compile(r'(key|token|secret|password|passphrase|auth)$', re.IGNORECASE)
_PEM_PRIVATE = re.compile(r'-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----')
_B64_PEM_PREFIX = 'LS0tLS1CRUdJTi'  # base64 of '-----BEGIN'


def is_secret_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.search(name))


def is_secret_text(value: str) -> bool:
    """A PEM private key, as is or base64-encoded."""
    if _PEM_PRIVATE.search(value):
        return True
    if value.startswith(_B64_PEM_PREFIX):
        try:
            decoded = base64.b64decode(value, validate=True).decode('ascii', errors='replace')
        except (binascii.Error, ValueError):
            return False
        return bool(_PEM_PRIVATE.search(decoded))
    return False


def redact(value: Any, secret: bool = False) -> Any:
    """A copy of plain data with key material replaced by MARKER (empty values are left as they are)."""
    if isinstance(value, dict):
        return {k: redact(v, secret or is_secret_name(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item, secret) for item in value]
    if isinstance(value, str):
        return MARKER if value and (secret or is_secret_text(value)) else value
    if secret and value not in (None, False, 0):
        return MARKER
    return value


def redact_text(text: str | None) -> str:
    """YAML text (one or several documents) with key material masked, in the same layout family.

    Text that does not parse as YAML is not shown at all.
    """
    if not text:
        return ''
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError:
        return '%s (content that does not parse as YAML)\n' % MARKER
    return encoder.dump_all([redact(doc) for doc in docs]) if docs else ''
