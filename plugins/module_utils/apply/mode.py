# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which ApplyConfiguration mode to send, and which one Talos will use, for a node's version and state.

Pure rules (no I/O), from Talos's ApplyConfiguration handler of each line:

* 1.14+: REBOOT is refused; AUTO is always applied without a reboot; NO_REBOOT is never refused.
* 1.13 and older: AUTO reboots when the change cannot be applied live (see
  ``machineconfig.immediate``); NO_REBOOT and TRY refuse such a change; REBOOT persists and reboots.
* Maintenance mode: 1.13+ treats REBOOT as NO_REBOOT and never refuses a change; the 1.12 and older
  maintenance server accepts only AUTO, REBOOT and TRY and reports no mode (REBOOT on the wire).
  A machine that leaves maintenance mode with its first config installs and reboots.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

MODES = ('auto', 'no_reboot', 'reboot', 'staged', 'try')


class ModeError(TalosError):
    """The requested mode cannot be used for this node and change."""


@dataclass
class ModePlan:
    send: str  # proto enum name sent: AUTO, NO_REBOOT, REBOOT, STAGED, TRY
    expected: str  # proto enum name Talos will report
    reboots: bool  # the machine reboots because of this apply
    reason: Optional[str] = None  # why a reboot is needed (<= 1.13)


def _maintenance(requested: str, minor: int) -> ModePlan:
    send = requested.upper()
    if minor <= 12:
        if requested in ('no_reboot', 'staged'):
            raise ModeError("mode %s is not supported in maintenance mode by Talos 1.12 and older (Talos: apply "
                            "configuration --mode='%s' is not supported in maintenance mode); use auto"
                            % (requested, requested.replace('_', '-')))
        return ModePlan(send, 'REBOOT', True)
    expected = {'AUTO': 'NO_REBOOT', 'REBOOT': 'NO_REBOOT'}.get(send, send)
    return ModePlan(send, expected, expected != 'STAGED')


def plan_mode(requested: str, version: tuple[int, int], maintenance: bool,
              reboot_reason: Optional[str] = None) -> ModePlan:
    """The plan for ``requested`` (one of MODES) on a node running Talos ``version`` (major, minor).

    ``reboot_reason`` is why the change cannot be applied live on 1.13 and older (None: it can).
    Raises ModeError when Talos would refuse the request.
    """
    if requested not in MODES:
        raise ModeError('unknown mode %r (expected one of %s)' % (requested, ', '.join(MODES)))
    if maintenance:
        return _maintenance(requested, version[1] if version[0] == 1 else 99)
    if version >= (1, 14):
        if requested == 'reboot':
            raise ModeError('mode reboot is not supported by Talos 1.14 and newer, which apply every change without '
                            'a reboot: use mode auto or no_reboot, or mode staged followed by talos.linux.reboot')
        send = requested.upper()
        return ModePlan(send, 'NO_REBOOT' if send == 'AUTO' else send, False)
    if requested == 'auto':
        if reboot_reason is None:
            return ModePlan('AUTO', 'NO_REBOOT', False)
        return ModePlan('AUTO', 'REBOOT', True, reboot_reason)
    if requested in ('no_reboot', 'try') and reboot_reason is not None:
        raise ModeError('mode %s: %s' % (requested, reboot_reason))
    return ModePlan(requested.upper(), requested.upper(), requested == 'reboot', reboot_reason)
