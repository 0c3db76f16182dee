# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim: a fleet of emulated Talos Linux machines on loopback addresses.

Importing this package makes the collection's generated wire code importable (see ``_collection``); that
code (``plugins.module_utils._api`` and ``_rpc_method``) is all talos-sim takes from the collection.
"""

from __future__ import annotations

from simulator import _collection

_collection.ensure()
