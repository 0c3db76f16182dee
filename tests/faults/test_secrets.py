# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets in output, and bad arguments of the controller-side generators (no fleet needed)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets as bundles
from ansible_collections.talos.linux.plugins.module_utils.frontend.redact import is_secret_name
from ansible_collections.talos.linux.tests.faults.conftest import assert_no_secret, leftovers, play, task_message

pytestmark = pytest.mark.faults


@pytest.fixture(scope='module')
def bundle():
    return bundles.generate()


def private_values(data, secret=False):
    """Every key, token and secret of a bundle (certificates are public)."""
    if isinstance(data, dict):
        return [v for k, value in data.items() for v in private_values(value, secret or is_secret_name(k))]
    return [data] if secret and isinstance(data, str) and data else []


def test_bundle_has_secrets_to_look_for(bundle):
    """The scan below looks for every private value of a bundle: CA keys, cluster secret, tokens."""
    assert len(private_values(bundle)) == 9  # 5 CA keys, cluster secret, 2 tokens, encryption secret


@pytest.mark.parametrize('verbosity,diff', [(3, True), (1, False)])
def test_a_secrets_mapping_never_appears_in_the_output(tmp_path, bundle, verbosity, diff):
    """A secrets bundle given as a mapping shows no key, token or secret in -vvv or --diff output, failed tasks
    included, while a config asked for comes back intact."""
    directory = str(tmp_path / 'out')
    os.mkdir(directory)
    tasks = [
        {'talos.linux.client_config': {'path': os.path.join(directory, 'talosconfig'), 'secrets': '{{ bundle }}',
                                       'context': 'prod', 'endpoints': ['10.5.0.2']}},
        {'talos.linux.machine_config': {
            'secrets': '{{ bundle }}', 'cluster_name': 'prod', 'cluster_endpoint': 'https://10.5.0.2:6443',
            'machine_type': 'controlplane', 'kubernetes_version': '1.33.1',
            'dest': os.path.join(directory, 'controlplane.yaml'),
            'patches': [{'cluster': {'secretboxEncryptionSecret': '{{ bundle.secrets.secretboxencryptionsecret }}'}}]}},
        {'talos.linux.machine_config': {
            'secrets': '{{ bundle }}', 'cluster_name': 'prod', 'cluster_endpoint': 'https://10.5.0.2:6443',
            'machine_type': 'worker', 'kubernetes_version': '1.33.1'},
         'register': 'worker', 'no_log': True},
        {'ansible.builtin.assert': {'that': ['bundle.certs.os.crt in worker.config',
                                             'bundle.trustdinfo.token in worker.config']}},
        {'talos.linux.client_config': {'path': os.path.join(directory, 'talosconfig'), 'secrets': '{{ bundle }}',
                                       'context': 'bad', 'roles': ['os:nope']},
         'ignore_errors': True},
    ]
    run = play(tmp_path, tasks, verbosity=verbosity, diff=diff, extra_vars={'bundle': bundle})
    assert not run.failed, run.output
    assert "roles: unknown role(s) 'os:nope'" in run.output
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' not in run.output or verbosity < 3
    assert_no_secret(run.output, private_values(bundle))
    assert leftovers(directory) == ['controlplane.yaml', 'talosconfig']


@pytest.mark.parametrize('module,options,option', [
    ('client_config', {'context': 'prod', 'ttl': '-1h'}, 'ttl'),
    ('client_config', {'context': 'prod', 'ttl': '0'}, 'ttl'),
    ('client_config', {'context': 'prod', 'renew_before': '-5m'}, 'renew_before'),
    ('client_config', {'context': 'prod', 'roles': ['os:admin', 'os:root']}, 'roles'),
    ('machine_config', {'kubernetes_version': 'latest; rm -rf /'}, 'kubernetes_version'),
    ('machine_config', {'kubernetes_version': '1.33.1', 'local_api_server_port': 70000}, 'local_api_server_port'),
])
def test_a_bad_argument_is_an_error_naming_the_option_and_nothing_is_written(tmp_path, bundle, module, options,
                                                                             option):
    """A negative TTL, an unknown role or a Kubernetes version that is no version fails naming the option, and
    nothing is written."""
    directory = str(tmp_path / 'out')
    os.mkdir(directory)
    with open(os.path.join(directory, 'secrets.yaml'), 'w', encoding='utf-8') as f:
        f.write(bundles.dumps(bundle))
    args = {'secrets': os.path.join(directory, 'secrets.yaml')}
    if module == 'client_config':
        args['path'] = os.path.join(directory, 'talosconfig')
    else:
        args.update(cluster_name='prod', cluster_endpoint='https://10.5.0.2:6443', machine_type='controlplane',
                    dest=os.path.join(directory, 'controlplane.yaml'))
    args.update(options)
    run = play(tmp_path, [{'talos.linux.%s' % module: args}])
    assert run.failed
    message = task_message(run.output)
    assert (option + ':') in message, message
    assert 'Traceback' not in run.output
    assert leftovers(directory) == ['secrets.yaml']


def test_machine_secrets_diff_shows_the_layout_only(tmp_path):
    """machine_secrets --diff -vvv shows the bundle's layout with every key, token and secret masked."""
    path = str(tmp_path / 'secrets.yaml')
    run = play(tmp_path, [{'talos.linux.machine_secrets': {'path': path}}], verbosity=3, diff=True)
    assert not run.failed, run.output
    with open(path, encoding='utf-8') as f:
        written = yaml.safe_load(f)
    assert_no_secret(run.output, private_values(written))
    assert '**REDACTED**' in run.output


def test_apply_config_shows_its_patches_with_secret_values_masked(tmp_path):
    """apply_config's patches may carry key material: -vvv shows them with secret values masked, the rest as
    given (here the task fails at the unreachable node, after its arguments were read)."""
    token = 'q7mz3k.8t2vx9w4r5y6u1i0'
    patches = [{'machine': {'token': token, 'network': {'hostname': 'patched-host'}}},
               [{'op': 'replace', 'path': '/cluster/secret', 'value': token + '-cluster'}]]
    run = play(tmp_path, [{'name': 'apply', 'talos.linux.apply_config': {
        'node': '127.0.0.1', 'endpoints': ['127.0.0.1:1'], 'insecure': True, 'timeout': 2,
        'config': 'version: v1alpha1\nmachine: {type: worker}\ncluster: {}\n', 'patches': patches}}],
        # -vvv shows the task's invocation, which ansible-core 2.21 returns only with INJECT_INVOCATION on
        verbosity=3, extra_vars={'ansible_inject_invocation': True})
    assert run.failed and '"patches"' in run.output, run.output
    assert_no_secret(run.output, [token])
    assert 'patched-host' in run.output  # redacted, not masked wholesale
