# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos 1.13 and older: which config changes a running machine takes without a reboot.

Only the v1alpha1 document is compared. Changes under ``.debug``, ``.cluster``, a fixed list of
``.machine`` sections and a few ``.machine.features`` flags are live; any other difference in the
v1alpha1 document needs a reboot. Other documents are always live. Talos 1.14 dropped the check.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import diff, documents

NOT_IMMEDIATE = "this config change can't be applied in immediate mode"
LIVE_TOP = ('debug', 'cluster')
LIVE_MACHINE = ('ca', 'acceptedCAs', 'time', 'certSANs', 'install', 'network', 'sysfs', 'sysctls', 'logging',
                'controlPlane', 'kubelet', 'kernel', 'registries', 'pods', 'seccompProfiles', 'nodeAnnotations',
                'nodeLabels', 'nodeTaints')
LIVE_FEATURES = ('kubernetesTalosAPIAccess', 'kubePrism', 'hostDNS', 'imageCache', 'nodeAddressSortAlgorithm')


def _take(target: dict[str, Any], source: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Make target's keys what they are in source (absent stays absent)."""
    for key in keys:
        if key in source:
            target[key] = copy.deepcopy(source[key])
        else:
            target.pop(key, None)


def _live_part_ignored(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A copy of new whose live sections are those of current."""
    result = copy.deepcopy(new)
    _take(result, current, LIVE_TOP)
    machine, current_machine = result.get('machine'), current.get('machine')
    if isinstance(machine, dict) and isinstance(current_machine, dict):
        _take(machine, current_machine, LIVE_MACHINE)
        features, current_features = machine.get('features'), current_machine.get('features')
        if isinstance(features, dict) and isinstance(current_features, dict):
            _take(features, current_features, LIVE_FEATURES)
    return result


def reboot_reason(current: Optional[documents.Config], new: documents.Config,
                  render: Optional[Callable[[str], str]] = None) -> Optional[str]:
    """None when ``new`` applies live over ``current``; else Talos's reason, with the v1alpha1 diff.

    ``render`` rewrites each side's YAML before it is diffed (to redact secrets from the message).
    """
    if current is None:
        return 'no current config'
    current_doc = current.find(documents.V1ALPHA1)
    if current_doc is None:
        return 'current config is not v1alpha1'
    new_doc = new.find(documents.V1ALPHA1)
    if new_doc is None:
        return 'new config is not v1alpha1'
    compared = _live_part_ignored(current_doc.value, new_doc.value)
    if compared == current_doc.value:
        return None
    before = documents.Config([current_doc.clone()])
    after = documents.Config([documents.Document(documents.V1ALPHA1, '', compared)])
    if render is None:
        text = diff.diff_configs(before, after)
    else:
        lines = difflib.unified_diff(render(before.encode()).splitlines(True), render(after.encode()).splitlines(True),
                                     'a', 'b', n=3)
        text = ''.join(line if line.endswith('\n') else line + '\n' for line in lines)
    return '%s\ndiff:\n%s' % (NOT_IMMEDIATE, text)
