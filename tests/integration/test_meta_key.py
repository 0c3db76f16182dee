# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos.linux.meta_key through the real ansible-playbook against talos-sim."""

from __future__ import annotations

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok


def test_meta_write_idempotent_check_and_delete(fleet):
    run = ansible_playbook('meta_key.yml', {'talosconfig': fleet.talosconfig, 'node': fleet.addresses('worker')[0]})
    assert_ok(run)


def test_the_old_name_is_routed_with_a_deprecation_and_meta_stays_ansibles(fleet):
    run = ansible_playbook('meta_key_old_name.yml',
                           {'talosconfig': fleet.talosconfig, 'node': fleet.addresses('worker')[0]})
    assert_ok(run)
    assert 'talos.linux.meta has been deprecated' in ' '.join(run.output.split())
    assert 'Use talos.linux.meta_key instead' in ' '.join(run.output.split())
