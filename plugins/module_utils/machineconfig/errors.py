# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions of the machine-config package: TalosErrors, so the module base reports them like any other."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


class MachineConfigError(TalosError):
    """Base class: input that cannot be turned into a Talos machine configuration."""


class ConfigError(MachineConfigError):
    """A machine configuration (or a patch) that does not load: bad YAML, unknown field or document."""


class PatchError(MachineConfigError):
    """A patch that cannot be loaded or applied."""


class ContractError(MachineConfigError):
    """An unknown or unsupported Talos version contract."""


class SecretsError(MachineConfigError):
    """A secrets bundle that is missing, malformed or invalid."""
