# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.meta through the real ansible-playbook against talos-sim."""

from __future__ import annotations

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok


def test_meta_write_idempotent_check_and_delete(fleet):
    run = ansible_playbook('meta.yml', {'talosconfig': fleet.talosconfig, 'node': fleet.addresses('worker')[0]})
    assert_ok(run)
