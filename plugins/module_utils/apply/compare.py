# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machine configs compared as parsed documents: comments, formatting, key and document order do not count.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import ConfigError


def parse(text: Optional[str], what: str = 'running machine configuration') -> Optional[documents.Config]:
    """The config a node holds, or None when it holds none (or holds something that no longer parses)."""
    if text is None:
        return None
    try:
        return documents.loads(text, what)
    except ConfigError:
        return None


def _by_id(config: documents.Config) -> dict[str, Any]:
    return {doc.id: doc.value for doc in config.documents}


def same(left: Optional[documents.Config], right: Optional[documents.Config]) -> bool:
    """Both configs hold the same documents with the same values (None equals only None)."""
    if left is None or right is None:
        return left is right
    return _by_id(left) == _by_id(right)


def needs_apply(mode: str, desired: documents.Config, active: Optional[documents.Config],
                persistent: Optional[documents.Config]) -> bool:
    """Whether applying ``desired`` with ``mode`` would change the node.

    ``staged`` looks at the config on disk only, ``try`` at the running config only; the other
    modes want both (a pending try or staged config means the node is not settled on ``desired``).
    """
    if mode == 'staged':
        return not same(persistent, desired)
    if mode == 'try':
        return not same(active, desired)
    return not (same(active, desired) and same(persistent, desired))
