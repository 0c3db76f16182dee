# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``repositories`` option: each component's image repository, Talos's default unless the option names one
(upgrade-k8s's ``--<component>-image`` flags, cmd/talosctl/cmd/talos/upgrade-k8s.go @ v1.14.0-rc.1).

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.images import DEFAULT_REPOSITORIES


def repositories_of(given: Optional[dict[str, str]]) -> dict[str, str]:
    """The default repositories with the option's entries; an unknown component or an empty entry is refused."""
    unknown = sorted(set(given or {}) - set(DEFAULT_REPOSITORIES))
    if unknown:
        raise TalosError('option repositories: unknown component %s (known: %s)' % (
            ', '.join(unknown), ', '.join(DEFAULT_REPOSITORIES)))
    empty = sorted(component for component, repository in (given or {}).items() if not repository)
    if empty:
        raise TalosError('option repositories: no repository for %s' % ', '.join(empty))
    return dict(DEFAULT_REPOSITORIES, **(given or {}))
