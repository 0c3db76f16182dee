# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes version a Talos version contract ships, used when ``kubernetes_version`` is not given.

``talosctl gen config`` and the Terraform provider default to the ``DefaultKubernetesVersion`` of the Talos
release they are built from. This collection generates for any contract, so it defaults to the version the
newest release of that contract's line ships: pkg/machinery/constants/constants.go:DefaultKubernetesVersion at
the tag named beside each entry (siderolabs/talos). The v1.15 line has no tag yet: its entry is the main branch
at the commit the machine-config schema comes from (machineconfig/schema_data.py SOURCE_COMMIT).

Private module: free to change between releases.
"""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.module_utils.configgen.contract import Contract

# contract -> (Kubernetes version, the siderolabs/talos tag or commit it was read at)
SHIPPED: dict[tuple[int, int], tuple[str, str]] = {
    (1, 3): ('1.26.3', 'v1.3.7'),
    (1, 4): ('1.27.4', 'v1.4.8'),
    (1, 5): ('1.28.3', 'v1.5.6'),
    (1, 6): ('1.29.7', 'v1.6.8'),
    (1, 7): ('1.30.5', 'v1.7.7'),
    (1, 8): ('1.31.4', 'v1.8.4'),
    (1, 9): ('1.32.4', 'v1.9.6'),
    (1, 10): ('1.33.6', 'v1.10.9'),
    (1, 11): ('1.34.1', 'v1.11.6'),
    (1, 12): ('1.35.4', 'v1.12.11'),
    (1, 13): ('1.36.3', 'v1.13.9'),
    (1, 14): ('1.37.0-rc.0', 'v1.14.0-rc.1'),
    (1, 15): ('1.37.0-rc.1', 'main@ad8823176e75b9cd07647ddde13c34f2ab77c663'),
}


def default_kubernetes_version(contract: Contract) -> str:
    """The Kubernetes version Talos ships for ``contract`` (every contract the generator accepts has one)."""
    return SHIPPED[(contract.major, contract.minor)][0]
