# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the collection importable as ``ansible_collections.talos.linux`` straight from the checkout.

The repository root *is* the collection root, so a symlink
``<repo>/.build/collections/ansible_collections/talos/linux -> ../../../..`` plus that
``collections`` directory on ``sys.path`` is all Python needs; no install step.
"""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'talos', 'linux')
TARGET = os.path.join('..', '..', '..', '..')


def ensure() -> str:
    """Create the symlink if needed and put its root first on sys.path; returns that root."""
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(TARGET, LINK)
        except FileExistsError:
            pass  # created concurrently (another process), or a directory someone put there
    if sys.path[:1] != [COLLECTIONS]:
        if COLLECTIONS in sys.path:
            sys.path.remove(COLLECTIONS)
        sys.path.insert(0, COLLECTIONS)
    return COLLECTIONS
