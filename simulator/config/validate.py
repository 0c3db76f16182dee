# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The validation machined runs on ApplyConfiguration (before anything else happens).

``pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go:Config.Validate @ v1.13.9`` (same rules at
v1.12.11 and v1.14.0-rc.1) for the parts talos-sim can see: the machine section, the machine type
(``pkg/machinery/config/machine/machine.go:ParseType``: ``join`` and an empty type are a worker, with a
warning), the Talos API and Kubernetes CA rules per type, hostDNS, and the install section a machine that
is not installed yet needs on metal (``validationMode``/``modeWrapper`` in
``internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:ApplyConfiguration @ v1.13.9``); from
1.14 the install section is optional and checked only when present (``Config.Validate @ v1.14.0-rc.1``).
Errors are joined as hashicorp/go-multierror prints them, the v1alpha1 list wrapped in
``v1alpha1.Config: `` inside the container's own list (``pkg/machinery/config/container/container.go:Validate``).
Cluster-section and network-device rules are not emulated.
"""

from __future__ import annotations

from typing import Any, Optional

from simulator.config.documents import Config

_TYPES = {'init': 'init', 'controlplane': 'controlplane', 'worker': 'worker', 'join': 'worker', '': 'worker'}


def machine_type(config: Config) -> Optional[str]:
    """``controlplane`` or ``worker`` as machined treats the v1alpha1 type (init runs as a control plane)."""
    doc = config.v1alpha1()
    machine = (doc or {}).get('machine')
    if not isinstance(machine, dict):
        return None
    kind = _TYPES.get(str(machine.get('type') or ''))
    return {'init': 'controlplane'}.get(kind or '', kind)


def multierror(errors: list[str]) -> str:
    """go-multierror's ListFormatFunc."""
    if len(errors) == 1:
        return '1 error occurred:\n\t* %s\n\n' % errors[0]
    return '%d errors occurred:\n\t%s\n\n' % (len(errors), '\n\t'.join('* ' + error for error in errors))


def _get(section: Any, *path: str) -> Any:
    for key in path:
        section = section.get(key) if isinstance(section, dict) else None
    return section


def _ca_rules(kind: Optional[str], declared: str, machine: dict, cluster: Any) -> list[str]:
    errors = []
    ca, accepted = machine.get('ca'), machine.get('acceptedCAs') or []
    if ca is None and not accepted:
        errors.append('issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)')
    if kind in ('init', 'controlplane'):
        if ca is None:
            errors.append('issuing CA is required (.machine.ca)')
        elif not _get(ca, 'key'):
            errors.append('issuing CA key is required for controlplane nodes (.machine.ca.key)')
    elif kind == 'worker':
        if ca is not None:
            if _get(ca, 'key'):
                errors.append('issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)')
            if not _get(ca, 'crt') and not accepted:
                errors.append('trusted CA certificates are required on non-controlplane nodes '
                              '(.machine.ca.crt, .machine.acceptedCAs)')
        if _get(cluster, 'ca', 'key'):
            errors.append('issuing Kubernetes API CA key is not allowed on non-controlplane nodes (.cluster.ca)')
    else:
        errors.append('unknown machine type "%s"' % declared)
    return errors


def _v1alpha1(doc: dict, requires_install: bool, line: tuple[int, int]) -> tuple[list[str], list[str]]:
    machine = doc.get('machine')
    if machine is None:
        return [], ['machine instructions are required']
    machine = machine if isinstance(machine, dict) else {}
    warnings, errors = [], []
    install = machine.get('install')
    if requires_install:
        if install is None and line < (1, 14):
            errors.append('install instructions are required in "metal" mode')
        elif install is not None and not _get(install, 'disk') and not _get(install, 'diskSelector'):
            errors.append('either install disk or diskSelector should be defined')
    host_dns = _get(machine, 'features', 'hostDNS') or {}
    if host_dns.get('forwardKubeDNSToHost') and not host_dns.get('enabled'):
        errors.append('feature hostDNS.forwardKubeDNSToHost requires hostDNS.enabled to be true '
                      '(.machine.features.hostDNS)')
    declared = str(machine.get('type') or '')
    kind = _TYPES.get(declared)
    if kind is not None and kind != declared:
        warnings.append('use "%s" instead of "%s" for machine type' % (kind, declared))
    errors.extend(_ca_rules(kind, declared, machine, doc.get('cluster')))
    return warnings, errors


def validate(config: Config, requires_install: bool = False,
             line: tuple[int, int] = (1, 14)) -> tuple[list[str], Optional[str]]:
    """(warnings, error text or None). ``requires_install``: a metal machine not installed yet."""
    doc = config.v1alpha1()
    if doc is None:
        return [], None
    warnings, errors = _v1alpha1(doc, requires_install, line)
    if not errors:
        return warnings, None
    return warnings, multierror(['v1alpha1.Config: ' + multierror(errors)])
