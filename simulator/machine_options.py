# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-machine install options of ``talos-sim up``: the schematic a machine was installed from, SecureBoot,
its platform. Checked before the fleet starts, applied to the machines when it does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from simulator.image_factory import catalogue, schematic as schematics

if TYPE_CHECKING:
    from simulator.image_factory.factory import ImageFactory
    from simulator.machine import Machine


class MachineOptions(NamedTuple):
    schematics: dict[str, dict[str, Any]]  # machine name -> canonical schematic
    secureboot: frozenset[str]
    platforms: dict[str, str]

    def apply(self, machines: Sequence['Machine'], factory: 'ImageFactory') -> None:
        """Set each machine's options; the factory learns the schematics machines booted with."""
        for machine in machines:
            schematic = self.schematics.get(machine.name)
            if schematic is not None:
                machine.boot_schematic = factory.add(schematic)
            machine.secureboot = machine.name in self.secureboot
            machine.platform = self.platforms.get(machine.name, 'metal')


def _pair(item: str, option: str, value_name: str, names: Sequence[str]) -> tuple[str, str]:
    machine, sep, value = item.partition('=')
    if not sep or not value:
        raise ValueError('%s takes MACHINE=%s, not %r' % (option, value_name, item))
    _known(machine, option, names)
    return machine, value


def _known(machine: str, option: str, names: Sequence[str]) -> None:
    if machine not in names:
        raise ValueError('%s: no machine named %r in this fleet (machines: %s)' % (option, machine, ', '.join(names)))


def _read_schematic(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except OSError as exc:
        raise ValueError('--schematic: cannot read %s: %s' % (path, exc.strerror)) from None
    try:
        return schematics.parse(text)
    except schematics.InvalidSchematic as exc:
        raise ValueError('--schematic: %s is not a valid schematic: %s' % (path, exc)) from None


def machine_options(schematic_items: Sequence[str], secureboot: Sequence[str], platform_items: Sequence[str],
                    names: Sequence[str]) -> MachineOptions:
    """Parse and check the options; ValueError naming the option otherwise."""
    found = {}
    for item in schematic_items:
        machine, path = _pair(item, '--schematic', 'FILE', names)
        found[machine] = _read_schematic(path)
    for machine in secureboot:
        _known(machine, '--secureboot', names)
    platforms = {}
    for item in platform_items:
        machine, platform = _pair(item, '--platform', 'PLATFORM', names)
        if platform not in catalogue.PLATFORMS:
            raise ValueError('--platform: unknown platform %r (known: %s)' % (platform, ', '.join(catalogue.PLATFORMS)))
        platforms[machine] = platform
    return MachineOptions(found, frozenset(secureboot), platforms)
