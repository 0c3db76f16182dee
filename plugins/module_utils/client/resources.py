# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""COSI resources as plain data: metadata plus the spec Talos renders as YAML.

Private module: free to change between releases.
"""

from __future__ import annotations

import datetime
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True
    # libyaml's loader when PyYAML has it: the same safe loading at an eighth of the CPU (a fan-out parses a spec
    # per node and resource).
    SPEC_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def _timestamp(ts: Any) -> str | None:
    if not ts.seconds and not ts.nanos:
        return None
    moment = datetime.datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, tz=datetime.timezone.utc)
    return moment.isoformat().replace('+00:00', 'Z')


def resource_to_dict(resource: Any) -> dict[str, Any]:
    """A cosi.resource.Resource message as {metadata: {...}, spec: <parsed yaml_spec>}."""
    md = resource.metadata
    spec = yaml.load(resource.spec.yaml_spec, Loader=SPEC_LOADER) if resource.spec.yaml_spec else None
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
