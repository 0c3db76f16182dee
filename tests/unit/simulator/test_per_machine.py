# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's state per machine is made once, kept apart from other modules' and goes with its machine."""

from __future__ import annotations

import gc
import weakref

from simulator.per_machine import PerMachine


class Machine:
    pass


def test_state_is_made_on_first_use_then_kept_per_machine_and_per_module():
    made: list[Machine] = []
    tables = PerMachine('tables', lambda machine: made.append(machine) or {'of': machine})
    stores = PerMachine('stores', lambda machine: ['store'])
    one, two = Machine(), Machine()
    first = tables.of(one)
    assert tables.of(one) is first and made == [one]
    assert tables.of(two) is not first and made == [one, two]
    assert stores.of(one) == ['store'] and tables.of(one) is first


def test_the_state_goes_with_its_machine():
    tables = PerMachine('tables', lambda machine: Machine())
    machine = Machine()
    state = weakref.ref(tables.of(machine))
    del machine
    gc.collect()
    assert state() is None
