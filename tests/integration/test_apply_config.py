# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_config through the real ansible-playbook against maintenance-mode talos-sim fleets (1.12 and 1.14)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet


@pytest.fixture(scope='module', params=['v1.12.6', 'v1.14.0'])
def applied(request, tmp_path_factory):
    """A maintenance fleet (one control plane, one worker) configured by apply_config_first.yml."""
    state = str(tmp_path_factory.mktemp('apply-fleet'))
    work = str(tmp_path_factory.mktemp('apply-files'))
    fleet = start_fleet(state, '--maintenance', '--controlplanes', '1', '--workers', '1', '--reboot-delay', '0.3',
                        '--talos-version', request.param)
    line = request.param[1:].rsplit('.', 1)[0]
    try:
        run = ansible_playbook('apply_config_first.yml', {
            'dir': work, 'cp': fleet.addresses('controlplane')[0], 'worker': fleet.addresses('worker')[0],
            'contract': 'v' + line})
        yield fleet, work, line, run
    finally:
        sim('down', '--state-dir', state)


def _secret_values(bundle_path: str) -> list[str]:
    with open(bundle_path, encoding='utf-8') as f:
        bundle = yaml.safe_load(f)
    values = [bundle['trustdinfo']['token'], bundle['secrets']['bootstraptoken'], bundle['cluster']['secret']]
    values += [pair['key'] for pair in bundle['certs'].values() if isinstance(pair, dict) and pair.get('key')]
    return [value for value in values if value]


def test_first_apply_then_idempotent(applied):
    fleet, _work, _line, run = applied
    assert_ok(run)
    assert 'apply config request' in _log(fleet)


def test_diff_output_is_redacted(applied):
    _fleet, work, _line, run = applied
    assert_ok(run)
    assert '**REDACTED**' in run.output
    for value in _secret_values(os.path.join(work, 'secrets.yaml')):
        assert value not in run.output


def test_unchanged_sends_nothing(applied):
    fleet, work, _line, run = applied
    assert_ok(run)
    before = _log(fleet).count('apply config request')
    assert_ok(ansible_playbook('apply_config_unchanged.yml', {
        'dir': work, 'worker': fleet.addresses('worker')[0]}))
    assert _log(fleet).count('apply config request') == before


def test_changes_modes_try_invalid_reader(applied):
    fleet, work, line, run = applied
    assert_ok(run)
    result = ansible_playbook('apply_config_changes.yml', {
        'dir': work, 'worker': fleet.addresses('worker')[0], 'line': line})
    assert_ok(result)
    for value in _secret_values(os.path.join(work, 'secrets.yaml')):
        assert value not in result.output


def _log(fleet) -> str:
    with open(os.path.join(fleet.state_dir, 'sim.log'), encoding='utf-8', errors='replace') as f:
        return f.read()
