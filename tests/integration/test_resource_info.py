# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.resource_info through the real ansible-playbook against talos-sim."""

from __future__ import annotations

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok


def test_resource_reads(fleet):
    assert_ok(ansible_playbook('resource_info.yml', {
        'talosconfig': fleet.talosconfig, 'first_cp': fleet.addresses('controlplane')[0],
        'hostnames': sorted(m['hostname'] for m in fleet.machines)}))
