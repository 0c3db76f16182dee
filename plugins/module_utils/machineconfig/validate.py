# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The part of Talos's machine-config validation that needs no running machine (v1alpha1 document).

A subset of upstream's ``Config.Validate`` (``pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go``):
machine section present, machine type known (``machine.ParseType``: ``join`` and an empty type are a
worker), the Talos API CA rules per machine type. Errors and warnings use upstream's wording;
``format_errors`` nests them as the config container reports them (``container.go:Validate``).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents

MACHINE_TYPES = ('init', 'controlplane', 'worker')
_ALIASES = {'join': 'worker', '': 'worker'}


def machine_type(config: documents.Config) -> str | None:
    """The machine type the config declares (aliases resolved), None without a v1alpha1 machine section."""
    doc = config.find(documents.V1ALPHA1)
    machine = (doc.value.get('machine') if doc else None) or None
    if not isinstance(machine, dict):
        return None
    declared = str(machine.get('type') or '')
    return _ALIASES.get(declared, declared)


def _ca_rules(kind: str, machine: dict[str, Any], cluster: dict[str, Any]) -> list[str]:
    errors = []
    ca = machine.get('ca') or {}
    accepted = machine.get('acceptedCAs') or []
    if not ca and not accepted:
        errors.append('issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)')
    if kind in ('init', 'controlplane'):
        if not ca:
            errors.append('issuing CA is required (.machine.ca)')
        elif not ca.get('key'):
            errors.append('issuing CA key is required for controlplane nodes (.machine.ca.key)')
    elif kind == 'worker':
        if ca and ca.get('key'):
            errors.append('issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)')
        if ca and not ca.get('crt') and not accepted:
            errors.append('trusted CA certificates are required on non-controlplane nodes '
                          '(.machine.ca.crt, .machine.acceptedCAs)')
        if (cluster.get('ca') or {}).get('key'):
            errors.append('issuing Kubernetes API CA key is not allowed on non-controlplane nodes (.cluster.ca)')
    return errors


def validate(config: documents.Config) -> tuple[list[str], list[str]]:
    """(warnings, errors) of the v1alpha1 document; a config without one has nothing to check here."""
    doc = config.find(documents.V1ALPHA1)
    if doc is None:
        return [], []
    machine = doc.value.get('machine')
    if machine is None:
        return [], ['machine instructions are required']
    if not isinstance(machine, dict):
        machine = {}  # an empty section (``machine:``, ``machine: {}``) still makes a machine config
    warnings, errors = [], []
    declared = str(machine.get('type') or '')
    kind = _ALIASES.get(declared, declared)
    if kind != declared:
        warnings.append('use "%s" instead of "%s" for machine type' % (kind, declared))
    errors.extend(_ca_rules(kind, machine, doc.value.get('cluster') or {}))
    if kind not in MACHINE_TYPES:
        errors.append('unknown machine type "%s"' % declared)
    return warnings, errors


def _multierror(errors: list[str]) -> str:
    """hashicorp/go-multierror's list format."""
    head = '1 error occurred:' if len(errors) == 1 else '%d errors occurred:' % len(errors)
    return head + ''.join('\n\t* %s' % error for error in errors) + '\n\n'


def format_errors(errors: list[str]) -> str:
    """The v1alpha1 errors as Talos reports them: their own list, wrapped as one error of the container's list."""
    return _multierror(['v1alpha1.Config: ' + _multierror(errors)])
