# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin kubeconfig: fetched from a control plane, written or merged on the controller.

Private module: free to change between releases.
"""

from __future__ import annotations

import datetime
import gzip
import os.path as os_path
import io
import tarfile
from dataclasses import dataclass, field
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend import files
from ansible_collections.talos.linux.plugins.module_utils.frontend.redact import redact
from ansible_collections.talos.linux.plugins.module_utils.kubeconfig.merge import SECTIONS, issued_by, merge
from ansible_collections.talos.linux.plugins.module_utils.client.yaml_loader import safe_load as yaml_safe_load

MAX_SIZE = 1 << 20  # a kubeconfig is a few KiB; refuse anything absurd


class KubeconfigError(TalosError):
    """A kubeconfig that cannot be read or written as asked."""


async def fetch(client: TalosClient, node: str | None) -> str:
    """The kubeconfig text from the Kubeconfig stream (gzip'd tar with a single file)."""
    chunks, size = [], 0
    async for chunk in client.kubeconfig(node):
        size += len(chunk)
        if size > MAX_SIZE:
            raise KubeconfigError('the kubeconfig sent by the node is larger than %d bytes' % MAX_SIZE)
        chunks.append(chunk)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(b''.join(chunks))) as gz, tarfile.open(fileobj=gz) as tar:
            for member in tar:
                if member.isfile():
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        return extracted.read().decode('utf-8')
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise KubeconfigError('the node sent a kubeconfig archive that cannot be read: %s' % exc) from None
    raise KubeconfigError('the node sent an empty kubeconfig archive')


def _load(text: str | None, where: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = yaml_safe_load(text)
    except yaml.YAMLError as exc:
        raise KubeconfigError('%s: not valid YAML: %s' % (where, exc)) from None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise KubeconfigError('%s: not a kubeconfig (expected a mapping)' % where)
    return data


def dump(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)


@dataclass
class Plan:
    """What writing the kubeconfig to dest amounts to."""

    content: str  # the file as it would be
    changed: bool
    context: str
    renames: list[dict[str, str]] = field(default_factory=list)
    before: str = ''


def plan(new_text: str, dest: str, merge_into: bool, force: bool, context_name: str | None,
         renew_before: datetime.timedelta) -> Plan:
    """Decide the new content of dest without touching it."""
    new = _load(new_text, 'kubeconfig from the node')
    if not new or not new.get('clusters') or not new.get('users') or not new.get('contexts'):
        raise KubeconfigError('the kubeconfig sent by the node has no cluster, user or context')
    before = files.read_text(dest) or ''
    existing = _load(before, dest)
    if merge_into:
        result = merge(existing, new, force=force, context_name=context_name, renew_before=renew_before)
    else:
        # dest holds this cluster's kubeconfig alone: keep it while it is still good, else replace it; a file
        # holding anything else (another cluster, user or context) is replaced only when forced.
        result = merge(existing, new, force=False, context_name=context_name, renew_before=renew_before)
        foreign = _foreign_entries(existing, new, context_name)
        if foreign and not force:
            raise KubeconfigError('%s holds another kubeconfig (%s); use merge=true to add this cluster, or '
                                  'force=true to replace the file' % (dest, ', '.join(foreign)))
        if result.changed or result.renames or foreign:
            result = merge(None, new, context_name=context_name, renew_before=renew_before)
            result.changed = True
    content = dump(result.config) if result.changed else before
    return Plan(content, result.changed, result.context, result.renames, before)


def _ours(kind: str, name: Any, body: dict[str, Any], new: dict[str, Any], context_name: str | None) -> bool:
    """Whether an entry of a kubeconfig is this cluster's: its cluster with the same server and CA, its user with
    a certificate from that CA, its context (under ``context_name`` when given) joining the two."""
    cluster, user, context = new['clusters'][0], new['users'][0], new['contexts'][0]
    if kind == 'cluster':
        return name == cluster['name'] and all(body.get(k) == cluster['cluster'].get(k)
                                               for k in ('server', 'certificate-authority-data'))
    if kind == 'user':
        return name == user['name'] and issued_by(body, cluster['cluster'].get('certificate-authority-data', ''))
    return (name == (context_name or context['name']) and body.get('cluster') == cluster['name']
            and body.get('user') == user['name'])


def _foreign_entries(existing: dict[str, Any] | None, new: dict[str, Any], context_name: str | None) -> list[str]:
    """The entries of ``existing`` that are not this cluster's (as ``kind name``): what replacing it would lose."""
    foreign = []
    for section, kind in SECTIONS:
        for entry in (existing or {}).get(section) or []:
            name = entry.get('name') if isinstance(entry, dict) else None
            body = entry.get(kind) if isinstance(entry, dict) else None
            if not _ours(kind, name, body if isinstance(body, dict) else {}, new, context_name):
                foreign.append('%s %s' % (kind, name))
    return foreign


def remove_stale_temps(dest: str) -> None:
    """Remove what a killed run left next to dest (when its directory exists; a missing one fails at write)."""
    if os_path.isdir(os_path.dirname(os_path.abspath(dest))):
        files.remove_stale_temps(dest)


def write(dest: str, content: str) -> None:
    files.check_parent(dest)
    files.atomic_write(dest, content, 0o600)


def redacted(text: str) -> str:
    """A kubeconfig for diff output: client keys masked."""
    data = _load(text, 'kubeconfig')
    return dump(redact(data)) if data else ''
