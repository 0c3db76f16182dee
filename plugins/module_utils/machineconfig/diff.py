# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config diff text upstream prints: a unified diff of the two encoded configs."""

from __future__ import annotations

import difflib

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents


def _encoded(config: documents.Config | str | None) -> str:
    if config is None:
        return ''
    if isinstance(config, str):
        config = documents.loads(config)
    return config.encode() if config.documents else ''


def diff_configs(old: documents.Config | str | None, new: documents.Config | str | None) -> str:
    """Unified diff (``--- a``/``+++ b``, 3 lines of context) of two configs; '' when they encode alike."""
    old_text, new_text = _encoded(old), _encoded(new)
    if old_text == new_text:
        return ''
    lines = difflib.unified_diff(old_text.splitlines(True), new_text.splitlines(True), 'a', 'b', n=3, lineterm='\n')
    return ''.join(line if line.endswith('\n') else line + '\n' for line in lines)
