# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each benchmark leaves its figures for bench/report.py's table.

A benchmark run alone prints its own lines and records nothing; run by ``make bench`` (bench/report.py), the
environment names a JSON-lines file and every benchmark appends one object per measurement to it.
"""

from __future__ import annotations

import json
import os

RESULTS_ENV = 'TALOS_BENCH_RESULTS'


def record(name: str, **figures: float) -> None:
    """Append ``figures`` under ``name`` to the results file, when bench/report.py asked for one."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    with open(path, 'a', encoding='utf-8') as f:
        f.write(json.dumps(dict(figures, name=name), sort_keys=True) + '\n')


def load(path: str) -> dict[str, dict[str, float]]:
    """Every recorded measurement by name (a later record of the same name wins)."""
    found: dict[str, dict[str, float]] = {}
    if not os.path.exists(path):
        return found
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                entry = json.loads(line)
                found[entry.pop('name')] = entry
    return found
