# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Numbers Ansible's argument spec accepts but no module can use: caught before anything is read or sent.

Ansible checks that a number is a number; whether it makes sense is ours to say, naming the option. Every
module passes here (the module base calls ``number_problem``), so a new numeric option is checked without a
line of its own: a number must be finite, a port fit in 16 bits, a count never negative. Durations are not
numbers here: see duration.py.

Private module: free to change between releases.
"""

from __future__ import annotations

import math
from typing import Any, Mapping


MAX_PORT = 65535


def _problem(name: str, kind: str, value: Any) -> str | None:
    if value is None or kind not in ('int', 'float'):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return 'option %s: %r is not a finite number' % (name, value)
    if name.endswith('_port') and value > MAX_PORT:
        return 'option %s: a port is at most %d, not %s' % (name, MAX_PORT, value)
    if value < 0:
        return 'option %s: must not be negative, not %s' % (name, value)
    return None


def number_problem(params: Mapping[str, Any], spec: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The first numeric option of ``spec`` whose value in ``params`` no module can use, as an error message."""
    for name, option in spec.items():
        problem = _problem(name, option.get('type', 'str'), params.get(name))
        if problem:
            return problem
    return None
