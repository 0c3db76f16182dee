# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""State a module of talos-sim keeps for each machine, kept on the machine object itself.

Modules (a machine's lifecycle, its services, its resource store...) keep their own state per machine, not in
Machine's class. A WeakKeyDictionary did that, but each lookup builds a weak reference in Python: microseconds
on paths a fleet takes tens of thousands of times a second (every call, every readiness poll of every machine).
Here the state lives in the machine's ``__dict__`` under an attribute its module names, so it goes when the
machine goes, and a lookup is one dictionary read.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

T = TypeVar('T')


class PerMachine(Generic[T]):
    """``of(machine)``: this module's state for the machine, made by ``make(machine)`` on first use."""

    def __init__(self, name: str, make: Callable[[Any], T]) -> None:
        self._attribute = '_sim_%s' % name
        self._make = make

    def of(self, machine: Any) -> T:
        kept = machine.__dict__
        value = kept.get(self._attribute)
        if value is None:
            value = kept[self._attribute] = self._make(machine)
        return value
