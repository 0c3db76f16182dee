# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the talos.linux.events source puts on the rulebook's queue: one shape, ``{'talos': {'node', 'type', ...}}``.

docs/eda.md documents each type and its fields; rulebooks match on them, so a field is never renamed or
dropped, only added. Private module: free to change between releases (the shapes are not).
"""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import format_member_id

MACHINE_STATUS = 'machine_status'
SERVICE = 'service'
ETCD_ALARM = 'etcd_alarm'
CONNECTION = 'connection'


def _event(node: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {'talos': dict(node=node, type=kind, **fields)}


def from_runtime_event(node: str, event: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The EDA event for a decoded MachineService.Events event, or None for the kinds the source does not forward
    (sequences, phases and tasks: their outcome shows in the machine status and services that follow)."""
    if event['type'] == 'MachineStatusEvent':
        return _event(node, MACHINE_STATUS, id=event['id'], stage=event['stage'], ready=event['ready'],
                      unmet_conditions=event['unmet_conditions'])
    if event['type'] == 'ServiceStateEvent':
        # Talos's service states (Running, Failed, Finished, ...), in the lower case talosctl's event view uses.
        return _event(node, SERVICE, id=event['id'], service=event['service'], state=event['action'],
                      message=event['message'])
    return None


def etcd_alarm(node: str, member_id: int, alarm: str, active: bool) -> dict[str, Any]:
    """An alarm raised (``active``) or cleared; the member ID as talosctl and etcd_info print it."""
    return _event(node, ETCD_ALARM, member_id=format_member_id(member_id), alarm=alarm, active=active)


def connection(node: str, connected: bool, error: Optional[str] = None) -> dict[str, Any]:
    """The event stream of ``node`` went live, or was lost (a reboot, a network failure: ``error`` says which)."""
    return _event(node, CONNECTION, connected=connected, error=error)
