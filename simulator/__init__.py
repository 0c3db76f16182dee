# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim: a fleet of emulated Talos Linux machines on loopback addresses.

Importing this package makes the collection's own code importable (see ``_collection``), so every
module here may import ``ansible_collections.talos.linux...``.
"""

from __future__ import annotations

from simulator import _collection

_collection.ensure()
