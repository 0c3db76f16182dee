# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which machined sequence may start while another one runs (machined's priority lock).

machined runs one sequence at a time. A requested sequence starts when nothing runs, when the
running one lists it as allowed to take over (the running one is then canceled), or when the caller
asked for a takeover: Shutdown, Rollback and an apply in REBOOT mode always do
(``internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:Shutdown/Rollback/ApplyConfiguration``
pass ``runtime.WithTakeover()`` @ v1.12.0..main). Otherwise the request is refused: the RPC has answered
already, and machined publishes a SequenceEvent NOOP with error code LOCKED and "sequence not started:
locked", without an actor ID since it is published with a fresh context
(``internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_controller.go:Run`` @ v1.12.0..main).
"""

from __future__ import annotations

from simulator.versions import TalosVersion

LOCKED_MESSAGE = 'sequence not started: locked'
CANCELED_MESSAGE = 'sequence failed: context canceled'

# running sequence -> sequences that may take it over:
# internal/app/machined/pkg/runtime/sequencer.go:sequenceTakeOver @ v1.13.0..v1.14.0-rc.1, main.
_TAKE_OVER = {
    'initialize': frozenset(['maintenanceUpgrade', 'reboot', 'emergencyVolumeCleanup']),
    'boot': frozenset(['reboot', 'reset', 'upgrade', 'emergencyVolumeCleanup']),
    'reboot': frozenset(['reboot']),
    'reset': frozenset(['reboot']),
}
# 1.12: a reboot may not take over initialize (maintenance), and there is no emergencyVolumeCleanup
# (internal/app/machined/pkg/runtime/sequencer.go:sequenceTakeOver @ v1.12.11).
_TAKE_OVER_1_12 = dict(_TAKE_OVER, initialize=frozenset(['maintenanceUpgrade']),
                       boot=frozenset(['reboot', 'reset', 'upgrade']))


def can_take_over(version: TalosVersion, requested: str, running: str | None) -> bool:
    """``Sequence.CanTakeOver`` of the machine's line: nothing runs, or ``running`` lets ``requested`` in."""
    if running is None:
        return True
    table = _TAKE_OVER if version.at_least(1, 13) else _TAKE_OVER_1_12
    return requested in table.get(running, frozenset())
