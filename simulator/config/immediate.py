# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos 1.12 and 1.13: can a config change apply without a reboot?

``internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go:Runtime.CanApplyImmediate`` (identical at
v1.12.11 and v1.13.9): only the v1alpha1 documents are compared. The new one takes the current one's
``debug`` and ``cluster`` sections, and (when both have a machine section) a fixed list of ``machine``
fields and (when both have ``machine.features``) five feature fields; if anything else still differs,
the error carries the diff of the two v1alpha1 documents. Other documents never need a reboot.
1.14 has no such check (``CanApplyImmediate`` is gone @ v1.14.0-rc.1).
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from simulator.config.diff import diff_configs
from simulator.config.documents import V1ALPHA1, Config, Document

NOT_IMMEDIATE = "this config change can't be applied in immediate mode"
_TOP = ('debug', 'cluster')
_MACHINE = ('ca', 'acceptedCAs', 'time', 'certSANs', 'install', 'network', 'sysfs', 'sysctls', 'logging',
            'controlPlane', 'kubelet', 'kernel', 'registries', 'pods', 'seccompProfiles', 'nodeAnnotations',
            'nodeLabels', 'nodeTaints')
_FEATURES = ('kubernetesTalosAPIAccess', 'kubePrism', 'hostDNS', 'imageCache', 'nodeAddressSortAlgorithm')


def _assign(target: dict[str, Any], source: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Go's field assignment: the target field becomes the source's, absent included."""
    for key in keys:
        if key in source:
            target[key] = copy.deepcopy(source[key])
        else:
            target.pop(key, None)


def _with_live_fields_of(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(new)
    _assign(result, current, _TOP)
    machine, current_machine = result.get('machine'), current.get('machine')
    if isinstance(machine, dict) and isinstance(current_machine, dict):
        _assign(machine, current_machine, _MACHINE)
        features, current_features = machine.get('features'), current_machine.get('features')
        if isinstance(features, dict) and isinstance(current_features, dict):
            _assign(features, current_features, _FEATURES)
    return result


def reboot_reason(current: Optional[Config], new: Config) -> Optional[str]:
    """None when ``new`` applies live; else the error text Talos returns."""
    if current is None:
        return 'no current config'
    current_doc = current.v1alpha1()
    if current_doc is None:
        return 'current config is not v1alpha1'
    new_doc = new.v1alpha1()
    if new_doc is None:
        return 'new config is not v1alpha1'
    compared = _with_live_fields_of(current_doc, new_doc)
    if compared == current_doc:
        return None
    text = diff_configs(Config([Document('', V1ALPHA1, '', current_doc)]), Config([Document('', V1ALPHA1, '', compared)]))
    return '%s\ndiff:\n%s' % (NOT_IMMEDIATE, text)
