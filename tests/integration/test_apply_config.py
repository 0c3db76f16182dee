# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_config through the real ansible-playbook against maintenance-mode talos-sim fleets (1.12 and 1.14)."""

from __future__ import annotations

import base64
import json
import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.resource.config import config_pb2
from ansible_collections.talos.linux.plugins.module_utils.client.tls import client_context
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet
from ansible_collections.talos.linux.tests.integration.simulator.conftest import rpc


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
    fleet, work, _line, run = applied
    assert_ok(run)
    results = _results(work, 'first-results.json')
    predicted, first = results['predicted'], results['first']
    assert predicted['changed'] and predicted['maintenance'] and predicted['rebooted'] is None
    assert predicted['diff']['before'] == ''
    assert [r['changed'] for r in first] == [True, True] and [r['maintenance'] for r in first] == [True, True]
    # The control plane was applied without credentials (rebooted unknown); the worker's reboot was read back.
    assert [r['rebooted'] for r in first] == [None, True]
    assert 'boot_id' not in first[0] and first[1]['boot_id']
    assert [(n['machine_type'], n['hostname'], n['stage']) for n in results['info']['nodes']] == [
        ('controlplane', 'applied-controlplane', 'booting'), ('worker', 'applied-worker', 'running')]
    assert [r['changed'] for r in results['again']] == [False, False] and not results['rerun']['changed']
    # talos-sim's own record: both configured with their hostnames; the worker runs the boot the module reported.
    machines = {m['name']: m for m in _cluster(fleet)['machines']}
    assert [(m['state'], m['hostname']) for m in machines.values()] == [
        ('running', 'applied-controlplane'), ('running', 'applied-worker')]
    assert machines['talos-worker-1']['boot_id'] == first[1]['boot_id']
    assert _log(fleet).count('apply config request') == 2  # the re-runs sent nothing


def test_diff_output_is_redacted(applied):
    _fleet, work, _line, run = applied
    assert_ok(run)
    assert '**REDACTED**' in run.output
    predicted = _results(work, 'first-results.json')['predicted']
    assert '**REDACTED**' in predicted['diff']['after']
    for value in _secret_values(os.path.join(work, 'secrets.yaml')):
        assert value not in run.output and value not in json.dumps(predicted)


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
    old = line == '1.12'
    results = _results(work, 'changes-results.json')
    assert (results['labels']['changed'], results['labels']['mode'], results['labels']['rebooted']) == (
        True, 'no_reboot', False)
    assert not results['labels_again']['changed'] and results['staged']['mode'] == 'staged'
    assert (results['auto']['mode'], results['auto']['rebooted']) == (('reboot', True) if old else ('no_reboot', False))
    assert results['tried']['mode'] == 'try' and results['reverted']['changed']
    assert results['reader']['failed'] and results['reader']['grpc_code'] == 'PERMISSION_DENIED'
    assert results['bad_field']['failed'] and not results['bad_field']['changed']
    # Read back over mTLS apart from the collection: the tried labels were reverted; what runs is the last
    # config applied for good (STAGE three by mode reboot on 1.12; on 1.14 the staged/auto STAGE two).
    running = yaml.safe_load(_running_config(fleet, work).split('\n---', 1)[0])
    assert running['machine']['nodeLabels'] == {'tier': 'gold'}
    assert running['machine']['env'] == {'STAGE': 'three' if old else 'two'}


def test_an_installed_machine_in_maintenance_boots_on_without_a_reboot(applied):
    """A STATE-only reset leaves Talos installed; its next first configuration (auto, then try) does not reboot it:
    ``rebooted`` is false and talos-sim's record shows the same boot ID before and after the apply."""
    fleet, work, _line, run = applied
    assert_ok(run)
    out = os.path.join(work, 'installed-results.json')
    assert_ok(ansible_playbook('apply_config_installed.yml', {
        'dir': work, 'worker': fleet.addresses('worker')[0], 'state_dir': fleet.state_dir, 'out': out}))
    with open(out, encoding='utf-8') as f:
        rounds = json.load(f)
    assert [r['mode'] for r in rounds] == ['auto', 'try']
    for entry in rounds:
        worker_before = next(m for m in entry['before']['machines'] if m['name'] == 'talos-worker-1')
        worker_after = next(m for m in entry['after']['machines'] if m['name'] == 'talos-worker-1')
        assert entry['reset']['maintenance'] and worker_before['state'] == 'maintenance'
        applied_result = entry['applied']
        assert applied_result['changed'] and applied_result['maintenance']
        assert applied_result['rebooted'] is False, applied_result
        assert worker_after['boot_id'] == worker_before['boot_id'] == applied_result['boot_id']
        assert (worker_after['state'], worker_after['hostname']) == ('running', 'applied-worker')
        assert entry['info']['nodes'][0]['stage'] == 'running'


def _log(fleet) -> str:
    with open(os.path.join(fleet.state_dir, 'sim.log'), encoding='utf-8', errors='replace') as f:
        return f.read()


def _results(work: str, name: str) -> dict:
    with open(os.path.join(work, name), encoding='utf-8') as f:
        return json.load(f)


def _cluster(fleet) -> dict:
    with open(os.path.join(fleet.state_dir, 'cluster.json'), encoding='utf-8') as f:
        return json.load(f)


def _running_config(fleet, work: str) -> str:
    """The worker's running config (MachineConfig v1alpha1) over raw gRPC with the playbook's talosconfig."""
    with open(os.path.join(work, 'talosconfig'), encoding='utf-8') as f:
        context = yaml.safe_load(f)['contexts']['apply']
    tls = client_context(*(base64.b64decode(context[key]) for key in ('ca', 'crt', 'key')))
    request = state_pb2.GetRequest(namespace='config', type='MachineConfigs.config.talos.dev', id='v1alpha1')
    reply = rpc(fleet.addresses('worker')[0], tls, State.Get, request)[0]
    return config_pb2.MachineConfigSpec.FromString(reply.resource.spec.proto_spec).yaml_marshalled.decode()
