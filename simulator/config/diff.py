# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config diff machined prints: both configs encoded without comments, then a unified diff.

``pkg/machinery/config/configdiff/configdiff.go:DiffConfigs @ v1.13.9`` encodes each side (either may be
absent: empty text) and hands them to ``pkg/machinery/textdiff/textdiff.go:Diff``: '' when equal, else a
unified diff with headers ``--- a`` / ``+++ b`` and 3 lines of context (go-stdlib's Myers; Python's
difflib may cut hunks differently on large rewrites). The encoding is go-yaml's (``simulator.goyaml``),
documents in their order, separated by ``---``.
"""

from __future__ import annotations

import difflib
from typing import Optional

from simulator import goyaml
from simulator.config.documents import Config


def encode(config: Optional[Config]) -> str:
    return goyaml.dumps_all([doc.value for doc in config.documents]) if config is not None else ''


def diff_configs(old: Optional[Config], new: Optional[Config]) -> str:
    before, after = encode(old), encode(new)
    if before == after:
        return ''
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), 'a', 'b', n=3)
    return ''.join(line if line.endswith('\n') else line + '\n' for line in lines)
