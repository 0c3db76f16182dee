# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""machine_secrets, machine_config, client_config and the config filters through the real ansible-playbook.

Files are checked independently of the modules: content, mode 0600, untouched when unchanged (same
inode and mtime), absent after a failure. A talosconfig generated from a bundle reaches a talos-sim
fleet that was started with that bundle, over mTLS.
"""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet

DIFF = {'ANSIBLE_DIFF_ALWAYS': '1'}


def run(playbook: str, tmp_path, env: dict | None = None, **extra) -> dict:
    """Run a playbook that records its registered result; the result, with the playbook's output."""
    out = tmp_path / ('result-%s.json' % os.urandom(4).hex())
    proc = ansible_playbook(playbook, dict(extra, out=str(out)), env=env)
    assert_ok(proc)
    with open(out, encoding='utf-8') as f:
        result = json.load(f)
    result['_output'] = proc.output
    return result


def fails(playbook: str, tmp_path, **extra) -> str:
    proc = ansible_playbook(playbook, dict(extra, out=str(tmp_path / 'never-written.json')))
    assert proc.rc != 0, proc.output
    return proc.output


def snapshot(path) -> tuple:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns, stat.S_IMODE(st.st_mode)


@pytest.fixture(scope='module')
def bundle_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('bundle') / 'secrets.yaml'
    with open(path, 'w', encoding='utf-8') as f:
        f.write(secrets.dumps(secrets.generate('v1.14')))
    os.chmod(path, 0o600)
    return str(path)


def load_bundle(path) -> dict:
    with open(path, 'rb') as f:
        return secrets.loads(f.read())


def secret_values(bundle_path: str) -> list[str]:
    bundle = load_bundle(bundle_path)
    return [bundle['certs']['os']['key'], bundle['certs']['k8s']['key'], bundle['trustdinfo']['token'],
            bundle['secrets']['bootstraptoken'], bundle['cluster']['secret']]


# ---------------------------------------------------------------- machine_secrets

def test_machine_secrets_create_then_idempotent(tmp_path):
    path = tmp_path / 'secrets.yaml'
    first = run('machine_secrets.yml', tmp_path, path=str(path), talos_version='v1.14')
    assert first['changed'] and first['created'] and 'secrets' not in first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, 'rb') as f:
        bundle = secrets.load_valid(f.read(), str(path))
    before = snapshot(path)
    second = run('machine_secrets.yml', tmp_path, path=str(path), return_content=True)
    assert not second['changed'] and not second['created']
    assert second['secrets'] == bundle, 'return_content gives the bundle on disk'
    assert snapshot(path) == before, 'an existing bundle is not rewritten'


def test_machine_secrets_never_overwrites_unless_forced(tmp_path):
    path = tmp_path / 'secrets.yaml'
    run('machine_secrets.yml', tmp_path, path=str(path))
    original = path.read_text()
    assert not run('machine_secrets.yml', tmp_path, path=str(path), talos_version='v1.6')['changed']
    assert path.read_text() == original
    forced = run('machine_secrets.yml', tmp_path, path=str(path), force=True)
    assert forced['changed'] and path.read_text() != original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_machine_secrets_old_option_names_work_with_a_deprecation_warning(tmp_path):
    path = tmp_path / 'secrets.yaml'
    run('machine_secrets.yml', tmp_path, path=str(path))
    original = path.read_text()
    result = run('machine_secrets_old_names.yml', tmp_path, path=str(path))
    assert result['changed'] and result['dest'] == str(path) and path.read_text() != original
    output = ' '.join(result['_output'].split())
    for alias in ('path', 'force'):
        assert "Alias '%s' is deprecated" % alias in output, result['_output']


def test_machine_secrets_check_mode_writes_nothing(tmp_path):
    path = tmp_path / 'secrets.yaml'
    result = run('machine_secrets.yml', tmp_path, env=DIFF, path=str(path), check=True)
    assert result['changed'] and result['created']
    assert not path.exists()
    assert '**REDACTED**' in result['_output'], 'the diff shows the layout with secrets masked'


def test_machine_secrets_invalid_bundle_fails_with_every_problem(tmp_path):
    path = tmp_path / 'secrets.yaml'
    path.write_text('cluster:\n  id: x\nsecrets: {}\n')
    output = fails('machine_secrets.yml', tmp_path, path=str(path))
    assert 'cluster.secret is required' in output and 'certs is required' in output
    assert path.read_text() == 'cluster:\n  id: x\nsecrets: {}\n'


def test_machine_secrets_missing_directory(tmp_path):
    output = fails('machine_secrets.yml', tmp_path, path=str(tmp_path / 'nope' / 'secrets.yaml'))
    assert 'parent directory' in output and 'does not exist' in output


# ---------------------------------------------------------------- machine_config

def test_machine_config_dest_idempotent_check_and_diff(tmp_path, bundle_file):
    dest = tmp_path / 'controlplane.yaml'
    checked = run('machine_config.yml', tmp_path, env=DIFF, secrets=bundle_file, dest=str(dest), check=True)
    assert checked['changed'] and not dest.exists() and 'config' not in checked
    output = checked['_output']
    assert '+++ after: %s' % dest in output and 'machine:' in output
    for value in secret_values(bundle_file):
        assert value not in output, 'a secret of the bundle shows in the diff'
    assert '**REDACTED**' in output

    written = run('machine_config.yml', tmp_path, secrets=bundle_file, dest=str(dest), return_config=True)
    assert written['changed'] and written['config'] == dest.read_text()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert [d.kind for d in documents.loads(dest.read_text()).documents][0] == 'v1alpha1'
    before = snapshot(dest)
    again = run('machine_config.yml', tmp_path, env=DIFF, secrets=bundle_file, dest=str(dest))
    assert not again['changed'] and snapshot(dest) == before

    changed = run('machine_config.yml', tmp_path, env=DIFF, secrets=bundle_file, dest=str(dest),
                  additional_sans=['cp.example.com'])
    assert changed['changed'] and 'cp.example.com' in dest.read_text()
    assert '+        - cp.example.com' in changed['_output']
    for value in secret_values(bundle_file):
        assert value not in changed['_output']


def test_machine_config_matches_the_library(tmp_path, bundle_file):
    from ansible_collections.talos.linux.plugins.module_utils.configgen import generate

    result = run('machine_config.yml', tmp_path, secrets=bundle_file, machine_type='worker', talos_version='v1.12',
                 registry_mirrors=[{'registry': 'ghcr.io', 'endpoints': ['https://mirror.example.com']}])
    expected = generate.generate(load_bundle(bundle_file), 'demo', 'https://10.5.0.2:6443', 'worker', '1.33.1',
                                 'v1.12', {'registry_mirrors': [{'registry': 'ghcr.io',
                                                                 'endpoints': ['https://mirror.example.com']}]})
    assert result['config'] == expected.encode()


def test_machine_config_secrets_as_mapping(tmp_path, bundle_file):
    by_path = run('machine_config.yml', tmp_path, secrets=bundle_file)
    by_dict = run('machine_config.yml', tmp_path, secrets=load_bundle(bundle_file))
    assert by_path['config'] == by_dict['config']


def test_machine_config_patch_forms(tmp_path, bundle_file):
    patch_file = tmp_path / 'hostname.yaml'
    patch_file.write_text('machine:\n  network:\n    hostname: from-file\n')
    patches = [
        {'machine': {'kubelet': {'extraArgs': {'from-dict': 'yes'}}}},
        'machine:\n  certSANs:\n    - from-yaml.example.com\n',
        '@%s' % patch_file,
        [{'op': 'add', 'path': '/machine/nodeLabels', 'value': {'from-json6902': 'true'}}],
        '[{"op": "add", "path": "/machine/nodeTaints", "value": {"from-json-text": "true:NoSchedule"}}]',
    ]
    result = run('machine_config.yml', tmp_path, secrets=bundle_file, talos_version='v1.11', patches=patches)
    config = yaml.safe_load(result['config'])
    machine = config['machine']
    assert machine['kubelet']['extraArgs']['from-dict'] == 'yes'
    assert 'from-yaml.example.com' in machine['certSANs']
    assert machine['network']['hostname'] == 'from-file'
    assert machine['nodeLabels'] == {'from-json6902': 'true'}
    assert machine['nodeTaints'] == {'from-json-text': 'true:NoSchedule'}


def test_machine_config_patch_deletes_a_document(tmp_path, bundle_file):
    plain = run('machine_config.yml', tmp_path, secrets=bundle_file, talos_version='v1.14')['config']
    kinds = [d.get('kind', 'v1alpha1') for d in yaml.safe_load_all(plain)]
    assert 'KubeletConfig' in kinds
    result = run('machine_config.yml', tmp_path, secrets=bundle_file, talos_version='v1.14',
                 patches=['apiVersion: v1alpha1\nkind: KubeletConfig\n$patch: delete\n'])
    assert 'KubeletConfig' not in [d.get('kind') for d in yaml.safe_load_all(result['config'])]


@pytest.mark.parametrize('case, extra, message', [
    ('malformed patch', {'patches': ['machine: [unclosed\n']}, 'patch 1'),
    ('delete of a missing path', {'patches': ['machine:\n  network:\n    hostname:\n      $patch: delete\n']},
     "path 'machine.network.hostname'"),
    ('unknown contract', {'talos_version': 'v1.99'}, 'talos_version: unknown version contract v1.99'),
    ('bad endpoint', {'cluster_endpoint': 'not a url'}, 'cluster_endpoint'),
])
def test_machine_config_bad_input_writes_nothing(tmp_path, bundle_file, case, extra, message):
    dest = tmp_path / 'out.yaml'
    output = fails('machine_config.yml', tmp_path, secrets=bundle_file, dest=str(dest), **extra)
    assert message in output, case
    assert not dest.exists()


def test_machine_config_invalid_bundle_writes_nothing(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('cluster:\n  id: abc\n  secret: def\n')
    dest = tmp_path / 'out.yaml'
    output = fails('machine_config.yml', tmp_path, secrets=str(bad), dest=str(dest))
    assert 'secrets (%s): invalid secrets bundle' % bad in output and 'trustdinfo is required' in output
    assert not dest.exists()


def test_machine_config_failure_keeps_existing_dest(tmp_path, bundle_file):
    dest = tmp_path / 'out.yaml'
    run('machine_config.yml', tmp_path, secrets=bundle_file, dest=str(dest))
    before, text = snapshot(dest), dest.read_text()
    fails('machine_config.yml', tmp_path, secrets=bundle_file, dest=str(dest), patches=['{"not": [a patch'])
    assert snapshot(dest) == before and dest.read_text() == text


# ---------------------------------------------------------------- filters

def test_config_patch_and_diff_filters(tmp_path):
    config = ('version: v1alpha1\nmachine:\n  type: worker\n  token: t\ncluster:\n  controlPlane:\n'
              '    endpoint: https://1.2.3.4:6443\n')
    result = run('config_filters.yml', tmp_path, config=config,
                 patches=[{'machine': {'network': {'hostname': 'w1'}}}])
    assert yaml.safe_load(result['patched'])['machine']['network']['hostname'] == 'w1'
    assert result['diff'].startswith('--- a\n+++ b\n@@ ')
    assert '+    network:\n+        hostname: w1\n' in result['diff']


def test_config_patch_filter_error_names_the_patch(tmp_path):
    proc = ansible_playbook('config_filters.yml', {
        'config': 'version: v1alpha1\nmachine:\n  type: worker\n', 'out': str(tmp_path / 'x.json'),
        'patches': ['machine:\n  bogusField: 1\n']})
    assert proc.rc != 0
    assert 'talos.linux.config_patch: patch 1' in proc.output and 'bogusField' in proc.output


# ---------------------------------------------------------------- client_config

def _context(path, name):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)['contexts'][name]


def test_client_config_generate_idempotent_and_renewal(tmp_path, bundle_file):
    path = tmp_path / 'talosconfig'
    first = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo',
                endpoints=['10.5.0.2'])
    assert first['changed'] and first['contexts'] == ['demo'] and first['context'] == 'demo'
    assert first['renames'] == []
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    crt, key = _context(path, 'demo')['crt'], _context(path, 'demo')['key']
    assert key not in json.dumps(first), 'key material is never returned'
    before = snapshot(path)
    second = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo',
                 endpoints=['10.5.0.2'])
    assert not second['changed'] and snapshot(path) == before

    check = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo',
                endpoints=['10.5.0.2'], renew_before='9000h', check=True)
    assert check['changed'] and snapshot(path) == before, 'check mode predicts the renewal, writes nothing'
    renewed = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo',
                  endpoints=['10.5.0.2'], renew_before='9000h')
    assert renewed['changed'] and _context(path, 'demo')['crt'] != crt


def test_client_config_name_clash_renames_and_force_overwrites(tmp_path, bundle_file):
    other = tmp_path / 'other.yaml'
    other.write_text(secrets.dumps(secrets.generate()))
    path = tmp_path / 'talosconfig'
    run('client_config.yml', tmp_path, path=str(path), secrets=str(other), context='demo')
    theirs = _context(path, 'demo')
    clash = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo')
    assert clash['changed'] and clash['contexts'] == ['demo-1'] and clash['context'] == 'demo-1'
    assert clash['renames'] == [{'from': 'demo', 'to': 'demo-1'}]
    assert _context(path, 'demo') == theirs
    again = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo')
    assert not again['changed'] and again['contexts'] == ['demo-1']
    forced = run('client_config.yml', tmp_path, path=str(path), secrets=bundle_file, context='demo', force=True)
    assert forced['changed'] and forced['contexts'] == ['demo'] and _context(path, 'demo') != theirs


def test_client_config_merge_src(tmp_path, bundle_file):
    src = tmp_path / 'src-talosconfig'
    run('client_config.yml', tmp_path, path=str(src), secrets=bundle_file, context='demo', roles=['os:reader'])
    path = tmp_path / 'talosconfig'
    path.write_text('context: demo\ncontexts:\n    demo:\n        endpoints:\n            - 10.9.9.9\n')
    merged = run('client_config.yml', tmp_path, env=DIFF, path=str(path), src=str(src))
    assert merged['changed'] and merged['renames'] == [{'from': 'demo', 'to': 'demo-1'}]
    assert merged['context'] == 'demo-1'
    assert _context(path, 'demo') == {'endpoints': ['10.9.9.9']}
    assert _context(path, 'demo-1') == _context(src, 'demo')
    assert base64.b64decode(_context(src, 'demo')['key']).decode() not in merged['_output']
    assert not run('client_config.yml', tmp_path, path=str(path), src=str(src))['changed']


def test_client_config_bad_input(tmp_path):
    output = fails('client_config.yml', tmp_path, path=str(tmp_path / 'tc'), secrets=str(tmp_path / 'missing.yaml'),
                   context='x')
    assert 'file not found' in output and not (tmp_path / 'tc').exists()
    output = fails('client_config.yml', tmp_path, path=str(tmp_path / 'tc'), src=str(tmp_path / 'missing'))
    assert 'file not found' in output and not (tmp_path / 'tc').exists()


@pytest.fixture(scope='module')
def own_fleet(tmp_path_factory, bundle_file):
    """A fleet started with our secrets bundle, so that its machines trust the bundle's OS CA."""
    state = str(tmp_path_factory.mktemp('own-fleet'))
    fleet = start_fleet(state, '--controlplanes', '1', '--workers', '1',
                        '--secrets', bundle_file)
    yield fleet
    sim('down', '--state-dir', state)


def test_generated_talosconfig_reaches_talos_sim(tmp_path, bundle_file, own_fleet):
    assert_ok(ansible_playbook('client_config_connect.yml', {
        'secrets': bundle_file, 'path': str(tmp_path / 'talosconfig'), 'context': 'own',
        'endpoints': own_fleet.addresses('controlplane'), 'expected': own_fleet.addresses()}))


def test_talos_sim_rejects_a_bad_secrets_file(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('cluster: {}\n')
    with pytest.raises(AssertionError, match='(?s)--secrets: .*cluster.id is required'):
        sim('up', '--state-dir', str(tmp_path / 'state'), '--secrets', str(bad))
