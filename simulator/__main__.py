"""Entry point: ``python -m simulator {up,down,ctl,serve} ...`` from the repository root."""

from __future__ import annotations

import sys

from simulator.cli import main

sys.exit(main())
