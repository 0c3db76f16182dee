# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a server-side apply of one object would do, told from its dry run: created, configured or unchanged.

As fluxcd's resource manager decides before it applies (fluxcd/pkg ssa/manager_diff.go:hasDrifted,
hasObjectDrifted @ ssa/v0.77.0): the dry run of a missing object has no resourceVersion (created); otherwise the
object has drifted (configured) when its labels or annotations differ from the live object's, or anything but
metadata and status does. An object that has not drifted is not applied at all, so its resourceVersion does not
move and a second sync changes nothing.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

CREATED = 'created'
CONFIGURED = 'configured'
UNCHANGED = 'unchanged'
PRUNED = 'pruned'


def _without_metadata_and_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in ('metadata', 'status')}


def _metadata(obj: dict[str, Any], field: str) -> dict[str, Any]:
    return (obj.get('metadata') or {}).get(field) or {}


def decide(live: Optional[dict[str, Any]], dry_run: dict[str, Any]) -> str:
    """The action for an object whose live state is ``live`` (None: missing) and whose dry run is ``dry_run``."""
    if live is None or not (dry_run.get('metadata') or {}).get('resourceVersion'):
        return CREATED
    for field in ('labels', 'annotations'):
        if _metadata(dry_run, field) != _metadata(live, field):
            return CONFIGURED
    if _without_metadata_and_status(dry_run) != _without_metadata_and_status(live):
        return CONFIGURED
    return UNCHANGED
