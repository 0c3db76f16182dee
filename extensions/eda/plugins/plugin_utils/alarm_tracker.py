# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd alarms as changes: each alarm once when it is raised and once when it is cleared, across polls and nodes.

Talos publishes no event for etcd alarms, so they are polled (EtcdAlarmList). Every control plane answers with
the alarms of its whole cluster, hence an alarm is keyed by (member ID, alarm type), not by the node that
reported it. An alarm is cleared only when a node that reported it answers without it: a node that fails to
answer says nothing, and a node of another cluster never reported it. Private module: free to change.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

NO_ALARM = 'NONE'


class AlarmChange(NamedTuple):
    node: str  # the node that reported the alarm (or reported it gone): where a playbook can act on it
    member_id: int
    alarm: str
    active: bool


class AlarmTracker:
    def __init__(self) -> None:
        self._reporters: dict[tuple[int, str], list[str]] = {}

    def update(self, answers: dict[str, list[dict[str, Any]]]) -> list[AlarmChange]:
        """The changes since the last poll, given what each node that answered this poll reported (in node order)."""
        seen: dict[tuple[int, str], list[str]] = {}
        for node, alarms in answers.items():
            for alarm in alarms:
                if alarm['alarm'] != NO_ALARM:
                    seen.setdefault((alarm['member_id'], alarm['alarm']), []).append(node)
        changes = [AlarmChange(nodes[0], key[0], key[1], True) for key, nodes in seen.items()
                   if key not in self._reporters]
        for key, reporters in list(self._reporters.items()):
            if key in seen:
                continue
            node = _first_answered(reporters, answers)
            if node is not None:
                changes.append(AlarmChange(node, key[0], key[1], False))
                del self._reporters[key]
        self._reporters.update(seen)
        return changes


def _first_answered(reporters: list[str], answers: dict[str, Any]) -> Optional[str]:
    return next((node for node in reporters if node in answers), None)
