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


def redact_patch(patch: Any) -> Any:
    """A machine-config patch as shown: a mapping or list redacted, a YAML/JSON text redacted, ``@file`` as is.

    An RFC 6902 operation whose ``path`` ends in a secret name has its ``value`` masked too.
    """
    if isinstance(patch, str):
        return patch if patch.startswith('@') or not patch.strip() else redact_text(patch)
    if isinstance(patch, list):
        return [redact_patch(item) for item in patch]
    if isinstance(patch, dict) and 'op' in patch and isinstance(patch.get('path'), str):
        shown = redact(patch)
        if is_secret_name(patch['path'].rstrip('/').rsplit('/', 1)[-1]) and 'value' in patch:
            shown['value'] = redact(patch['value'], True)
        return shown
    return redact(patch)


def no_log_strings(value: Any) -> set[str]:
    """The strings Ansible's no_log masks for a value: every non-empty string and number in it."""
    if isinstance(value, dict):
        return set().union(*(no_log_strings(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(no_log_strings(v) for v in value))
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {str(value)}
    return set()


def shown_parameters(module: Any, shown: dict[str, Any]) -> dict[str, Any]:
    """The module's parameters as given; what Ansible reports of them (``invocation``) shows ``shown`` instead.

    ``shown`` maps option names to how they appear, e.g. a secrets bundle redacted by ``redact``. Such an
    option is ``no_log`` in the argument spec, so a task failing in argument validation, before this runs,
    shows none of it. But Ansible's no_log also masks each string of the value wherever it appears, even
    in results: a machine config generated from the bundle (which embeds its keys) would come back
    mangled, and a path in an error message hidden. Those strings leave the mask here (except those of
    other no_log options); the results carry key material only where the user asks for it.
    """
    given = dict(module.params)
    for name, value in shown.items():
        module.no_log_values.difference_update(no_log_strings(given.get(name)))
        module.params[name] = value
    for name, spec in module.argument_spec.items():
        if spec.get('no_log') and name not in shown:
            module.no_log_values.update(no_log_strings(given.get(name)))
    return given


def shown_bundle(source: Any) -> Any:
    """A ``secrets`` option as shown: a path as is, a mapping with its key material masked."""
    return source if isinstance(source, str) else redact(source)
