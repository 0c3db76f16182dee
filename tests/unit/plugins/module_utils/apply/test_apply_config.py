# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_config's pure logic: mode per version, comparison, the <= 1.13 live rule, validation, redaction."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.apply.compare import needs_apply, parse, same
from ansible_collections.talos.linux.plugins.module_utils.apply.desired_config import desired_config
from ansible_collections.talos.linux.plugins.module_utils.apply.mode import ModeError, plan_mode
from ansible_collections.talos.linux.plugins.module_utils.apply.options import config_diff, safe_details
from ansible_collections.talos.linux.plugins.module_utils.configgen import generate, secrets
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, immediate
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import MachineConfigError
from ansible_collections.talos.linux.tests.unit import vectors


@pytest.fixture(scope='module')
def worker() -> str:
    with open(vectors.path('generate/secrets.yaml'), encoding='utf-8') as f:
        bundle = secrets.loads(f.read())
    config = generate.generate(bundle, 'unit', 'https://10.5.0.2:6443', 'worker', '1.33.1', talos_version='v1.12')
    return config.encode()


def _patched(text: str, *patches) -> documents.Config:
    return documents.loads(patch.apply_patches(text, list(patches)))


@pytest.mark.parametrize('requested, version, maintenance, reason, expected', [
    ('auto', (1, 14), False, None, ('AUTO', 'NO_REBOOT', False)),
    ('auto', (1, 13), False, None, ('AUTO', 'NO_REBOOT', False)),
    ('auto', (1, 12), False, 'why', ('AUTO', 'REBOOT', True)),
    ('no_reboot', (1, 14), False, None, ('NO_REBOOT', 'NO_REBOOT', False)),
    ('reboot', (1, 13), False, None, ('REBOOT', 'REBOOT', True)),
    ('staged', (1, 12), False, 'why', ('STAGED', 'STAGED', False)),
    ('try', (1, 14), False, None, ('TRY', 'TRY', False)),
    ('auto', (1, 14), True, None, ('AUTO', 'NO_REBOOT', True)),
    ('reboot', (1, 14), True, None, ('REBOOT', 'NO_REBOOT', True)),
    ('staged', (1, 13), True, None, ('STAGED', 'STAGED', False)),
    ('auto', (1, 12), True, None, ('AUTO', 'REBOOT', True)),
    ('try', (1, 12), True, None, ('TRY', 'REBOOT', True)),
])
def test_plan_mode(requested, version, maintenance, reason, expected):
    plan = plan_mode(requested, version, maintenance, reason)
    assert (plan.send, plan.expected, plan.reboots) == expected


@pytest.mark.parametrize('requested, version, maintenance, reason, message', [
    ('reboot', (1, 14), False, None, 'use mode auto or no_reboot'),
    ('no_reboot', (1, 13), False, "this config change can't be applied in immediate mode", 'immediate mode'),
    ('try', (1, 12), False, 'because', 'mode try: because'),
    ('staged', (1, 12), True, None, "--mode='staged' is not supported in maintenance mode"),
    ('no_reboot', (1, 12), True, None, "--mode='no-reboot'"),
])
def test_plan_mode_refusals(requested, version, maintenance, reason, message):
    with pytest.raises(ModeError) as info:
        plan_mode(requested, version, maintenance, reason)
    assert message in str(info.value)


def test_same_ignores_comments_formatting_and_document_order(worker):
    config = documents.loads(worker)
    reordered = documents.Config(list(reversed(config.documents)))
    assert same(parse('# a comment\n' + worker.replace('    ', '        ')), config)
    assert same(reordered, config)
    assert not same(_patched(worker, {'machine': {'nodeLabels': {'a': 'b'}}}), config)
    assert same(None, None) and not same(None, config)


def test_needs_apply_per_mode(worker):
    desired, other = documents.loads(worker), _patched(worker, {'machine': {'env': {'A': 'b'}}})
    assert not needs_apply('auto', desired, desired, desired)
    assert needs_apply('auto', desired, desired, other)  # staged config pending: settle on desired
    assert needs_apply('no_reboot', desired, other, desired)  # try pending
    assert not needs_apply('staged', desired, other, desired)
    assert not needs_apply('try', desired, desired, other)
    assert needs_apply('auto', desired, None, None)


def test_reboot_reason_follows_the_live_sections(worker):
    current = documents.loads(worker)
    assert immediate.reboot_reason(current, _patched(worker, {'machine': {'nodeLabels': {'a': 'b'}}})) is None
    assert immediate.reboot_reason(current, _patched(worker, {'machine': {'sysctls': {'a': '1'}}})) is None
    assert immediate.reboot_reason(current, _patched(worker, {'cluster': {'clusterName': 'other'}})) is None
    assert immediate.reboot_reason(current, _patched(
        worker, {'apiVersion': 'v1alpha1', 'kind': 'HostnameConfig', 'auto': {'$patch': 'delete'}, 'hostname': 'h'}
    )) is None
    reason = immediate.reboot_reason(current, _patched(worker, {'machine': {'env': {'A': 'b'}}}))
    assert reason.startswith("this config change can't be applied in immediate mode\ndiff:\n")
    assert '+    env:' in reason
    assert immediate.reboot_reason(None, current) == 'no current config'


def test_reboot_reason_redacts_what_it_shows(worker):
    token_changed = worker.replace('token: ', 'token: x', 1)
    reason = immediate.reboot_reason(documents.loads(worker), documents.loads(token_changed),
                                     render=lambda text: text.replace('token:', 'token: **REDACTED** #'))
    assert reason is not None and 'REDACTED' in reason


def test_desired_config_refuses_bad_input(worker, tmp_path):
    with pytest.raises(MachineConfigError, match='invalid YAML'):
        desired_config('machine: [', None, [])
    with pytest.raises(MachineConfigError, match="unknown field 'bogus'"):
        desired_config(worker, None, [{'machine': {'bogus': 1}}])
    with pytest.raises(MachineConfigError, match="doesn't contain v1alpha1 config"):
        desired_config('apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: x\n', None, [])
    with pytest.raises(MachineConfigError, match='issuing Talos API CA key is not allowed'):
        desired_config(worker, None, [{'machine': {'ca': {'key': 'a2V5'}}}])
    with pytest.raises(MachineConfigError, match='file not found'):
        desired_config(None, str(tmp_path / 'missing.yaml'), [])
    assert desired_config(worker, None, []).text == worker
    as_documents = desired_config(documents.loads(worker).plain(), None, [])
    assert same(as_documents.config, documents.loads(worker))


def test_safe_details_drops_diffs_and_keeps_the_redacted_reason():
    summary = 'Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).'
    assert safe_details(summary + '\nConfig diff:\n\n+ key: s3cret') == summary
    talos = ("Applied configuration with a reboot: this config change can't be applied in immediate mode\n"
             'diff:\n+ s3cret')
    redacted = "this config change can't be applied in immediate mode\ndiff:\n+ **REDACTED**\n"
    assert safe_details(talos, redacted) == 'Applied configuration with a reboot: ' + redacted
    assert safe_details('Applied configuration without a reboot') == 'Applied configuration without a reboot'


def test_config_diff_redacts(worker):
    shown = config_diff(None, worker, 'node')
    assert shown['before'] == '' and '**REDACTED**' in shown['after']
    token = documents.loads(worker).find('v1alpha1').value['machine']['token']
    assert token in worker and token not in shown['after']
