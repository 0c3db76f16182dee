# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an apply_config run was asked to do, and how its answer is shaped for people.

Talos's ``mode_details`` can carry config diffs (a dry run's ``Config diff:``, the reason a change
needs a reboot) with secrets in them: they are cut off here and replaced by redacted diffs.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.apply.desired_config import DesiredConfig
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact

DIFF_MARKERS = ('\nConfig diff:', '\ndiff:\n')


@dataclass
class ApplyOptions:
    desired: DesiredConfig
    mode: str = 'auto'
    try_timeout: Optional[float] = None
    wait: bool = True
    wait_timeout: float = 600.0
    check_mode: bool = False


def safe_details(details: str, reason: Optional[str] = None) -> str:
    """Talos's mode_details without any config diff it carried; ``reason`` (already redacted) instead."""
    cut = len(details)
    for marker in DIFF_MARKERS:
        index = details.find(marker)
        if index != -1:
            cut = min(cut, index)
    text = details[:cut].rstrip()
    if reason and cut < len(details) and reason.split('\n', 1)[0] in text:
        text = text[:text.rfind(reason.split('\n', 1)[0])] + reason
    return text


def config_diff(before: Optional[str], after: str, header: str) -> dict[str, str]:
    """Ansible's diff of two machine configs, every secret value redacted."""
    return {'before_header': header, 'after_header': header,
            'before': redact.redact_text(before), 'after': redact.redact_text(after)}


def mode_name(proto_mode: Optional[str]) -> Optional[str]:
    return proto_mode.lower() if proto_mode else None


def result(changed: bool, **fields: Any) -> dict[str, Any]:
    out = {'changed': changed, 'mode': None, 'rebooted': False, 'warnings': [], 'mode_details': ''}
    out.update(fields)
    return out
