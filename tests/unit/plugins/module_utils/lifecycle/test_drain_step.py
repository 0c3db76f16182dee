# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talosctl's drain defaults per operation (cmd/talosctl/cmd/talos/*.go @ v1.14.0-rc.1), and the option overriding them."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep, talosctl_drains


@pytest.mark.parametrize('operation, api, drains', [
    ('upgrade', 'lifecycle', True),  # upgrade --drain defaults to true on the LifecycleService path
    ('upgrade', 'legacy', False),  # MachineService.Upgrade: Talos cordons and drains on the node
    ('reboot', None, False),  # reboot --drain defaults to false
    ('shutdown', None, False),  # Talos drains in its Shutdown sequence unless --force
    ('reset', None, False),  # and in a graceful Reset
    (None, None, False),  # an operation without drain options
])
def test_talosctl_defaults(operation, api, drains):
    assert talosctl_drains(operation, api) is drains


@pytest.mark.parametrize('requested', [True, False])
def test_the_option_overrides_the_default_and_is_reported(requested):
    step = DrainStep({'drain': requested}, 'upgrade', client=None, node=None)
    assert step.decide('lifecycle') is requested and step.decide('legacy') is requested
    assert step.result() == {'enabled': requested}


def test_unset_option_reports_the_default_it_took():
    step = DrainStep({'drain': None}, 'upgrade', client=None, node=None)
    assert step.decide('lifecycle') is True and step.result() == {'enabled': True}
