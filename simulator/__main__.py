# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point: ``python -m simulator {up,down,ctl,serve} ...`` from the repository root."""

from __future__ import annotations

import sys

from simulator.cli import main

sys.exit(main())
