# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""COSI resources as plain data: metadata plus the spec Talos renders as YAML.

Private module: free to change between releases.
"""

from __future__ import annotations

import datetime
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client import yaml_loader

HAS_YAML = yaml_loader.HAS_YAML  # read by the callers that check their libraries (frontend/module.py)


def _timestamp(ts: Any) -> str | None:
    if not ts.seconds and not ts.nanos:
        return None
    moment = datetime.datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, tz=datetime.timezone.utc)
    return moment.isoformat().replace('+00:00', 'Z')


def resource_to_dict(resource: Any) -> dict[str, Any]:
    """A cosi.resource.Resource message as {metadata: {...}, spec: <parsed yaml_spec>}."""
    md = resource.metadata
    spec = yaml_loader.safe_load(resource.spec.yaml_spec) if resource.spec.yaml_spec else None
    return {
        'metadata': {
            'namespace': md.namespace,
            'type': md.type,
            'id': md.id,
            'version': md.version,
            'owner': md.owner,
            'phase': md.phase,
            'created': _timestamp(md.created),
            'updated': _timestamp(md.updated),
            'labels': dict(md.labels),
            'annotations': dict(md.annotations),
            'finalizers': list(md.finalizers),
        },
        'spec': spec,
    }
