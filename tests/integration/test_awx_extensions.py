# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""extensions/awx and extensions/audit as AWX would use them.

No AWX runs here. What AWX does with them is emulated from its source (ansible/awx @ e21dd0a unless said):
the "Talos API" credential is injected as awx/main/models/credential.py:CredentialType.inject_credential does
(Jinja2's ImmutableSandboxedEnvironment, files 0600 in the job's private env/ directory, env and extra_vars
injectors), a project inventory source is synced with ansible-inventory and the job runs later with a fresh
credential file; event_query.yml is run with the real jq over real module results, as
awx/main/tasks/host_indirect.py:build_indirect_host_data does (ansible/awx @ c83c3f1).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.talos.linux.tests.integration.conftest import (
    COLLECTIONS, PLAYBOOKS, REPO, VENV_BIN, ansible_playbook, assert_ok,
)
from ansible_collections.talos.linux.tests.integration.test_inventory import plain

AWX = os.path.join(REPO, 'extensions', 'awx')
PROJECT = os.path.join(AWX, 'project')
EVENT_QUERY = os.path.join(REPO, 'extensions', 'audit', 'event_query.yml')

# What `awx import` reads: awxkit/awxkit/api/pages/api.py:EXPORTABLE_RESOURCES.
IMPORTABLE = {'users', 'organizations', 'teams', 'credential_types', 'credentials', 'notification_templates',
              'projects', 'inventory', 'inventory_sources', 'job_templates', 'workflow_job_templates',
              'execution_environments', 'applications', 'schedules'}
# Custom credential types: awx/main/fields.py:CredentialTypeInputField.schema and CredentialTypeInjectorField.schema.
INPUTS_SCHEMA = {
    'type': 'object', 'additionalProperties': False,
    'properties': {
        'required': {'type': 'array', 'items': {'type': 'string'}},
        'fields': {'type': 'array', 'items': {
            'type': 'object', 'additionalProperties': False, 'required': ['id', 'label'],
            'properties': {
                'id': {'type': 'string', 'pattern': '^[a-zA-Z_]+[a-zA-Z0-9_]*$'},
                'type': {'enum': ['string', 'boolean']}, 'format': {'enum': ['ssh_private_key', 'url']},
                'choices': {'type': 'array'}, 'label': {'type': 'string'}, 'help_text': {'type': 'string'},
                'multiline': {'type': 'boolean'}, 'secret': {'type': 'boolean'},
                'ask_at_runtime': {'type': 'boolean'}, 'default': {}}}}}}
INJECTORS_SCHEMA = {
    'type': 'object', 'additionalProperties': False,
    'properties': {
        'file': {'type': 'object', 'additionalProperties': False,
                 'patternProperties': {r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$': {'type': 'string'}}},
        'env': {'type': 'object', 'additionalProperties': False,
                'patternProperties': {'^[a-zA-Z_]+[a-zA-Z0-9_]*$': {'type': 'string', 'pattern': '^[\x00-\x7F]*$'}}},
        'extra_vars': {'type': 'object'}}}


def assets() -> dict:
    with open(os.path.join(AWX, 'assets.yml'), encoding='utf-8') as f:
        return yaml.safe_load(f)


def talos_api_type() -> dict:
    return next(t for t in assets()['credential_types'] if t['name'] == 'Talos API')


def role_options(role: str) -> set[str]:
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as f:
        return set(yaml.safe_load(f)['argument_specs']['main']['options'])


# The role each project playbook runs (through the collection's playbook of the same purpose).
PLAYBOOK_ROLES = {'playbooks/bootstrap.yml': 'cluster_bootstrap', 'playbooks/rolling_upgrade.yml': 'rolling_upgrade',
                  'playbooks/config_enforce.yml': 'config_enforce', 'playbooks/etcd_backup.yml': 'etcd_backup'}


def test_assets_are_importable_and_point_at_what_exists():
    data = assets()
    assert set(data) <= IMPORTABLE
    for resource, objects in data.items():
        for obj in objects:
            assert obj['natural_key']['name'] == obj['name'] and obj['natural_key']['type'], (resource, obj)
    credential_type = talos_api_type()
    jsonschema.validate(credential_type['inputs'], INPUTS_SCHEMA)
    jsonschema.validate(credential_type['injectors'], INJECTORS_SCHEMA)
    assert not [v for v in credential_type['injectors']['env'] if v.startswith('ANSIBLE_')], 'AWX refuses these'
    for source in data['inventory_sources']:
        assert os.path.isfile(os.path.join(PROJECT, source['source_path'])), source['source_path']
    for template in data['job_templates']:
        playbook = os.path.join(PROJECT, template['playbook'])
        with open(playbook, encoding='utf-8') as f:
            plays = yaml.safe_load(f)
        imported = [p['ansible.builtin.import_playbook'] for p in plays if 'ansible.builtin.import_playbook' in p]
        for name in imported:  # talos.linux.<playbook>: one of the collection's playbooks
            assert os.path.isfile(os.path.join(REPO, 'playbooks', name.split('.', 2)[2] + '.yml')), name
        role = PLAYBOOK_ROLES.get(template['playbook'])
        given = set(yaml.safe_load(template.get('extra_vars') or '{}'))
        given |= {q['variable'] for q in template.get('related', {}).get('survey_spec', {}).get('spec', [])}
        if role:
            assert given <= role_options(role) | {'talos_rolling_upgrade_worker_batch'}, (template['name'], given)
        assert template['job_type'] in ('run', 'check')
    drift = next(t for t in data['job_templates'] if t['name'] == 'Talos drift report')
    assert drift['job_type'] == 'check' and drift['diff_mode'] is True


def test_injector_templates_use_only_declared_fields():
    """AWX validates a custom type by rendering its injectors with every declared field set."""
    credential_type = talos_api_type()
    namespace = {field['id']: 'EXAMPLE' for field in credential_type['inputs']['fields']}
    namespace['tower'] = SimpleNamespace(filename=SimpleNamespace(talosconfig='EXAMPLE_FILENAME'))
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for template in [*credential_type['injectors']['file'].values(), *credential_type['injectors']['env'].values(),
                     *credential_type['injectors']['extra_vars'].values()]:
        sandbox.from_string(template).render(**namespace)


def inject(credential_type: dict, inputs: dict, private_dir: str) -> tuple[dict, list[str]]:
    """(environment, ansible-playbook arguments) of one job, as AWX's inject_credential makes them."""
    env_dir = os.path.join(private_dir, 'env')
    os.makedirs(env_dir, exist_ok=True)
    namespace = {key: value for key, value in inputs.items() if value}  # AWX leaves empty fields out
    tower = SimpleNamespace(filename=SimpleNamespace())
    namespace['tower'] = tower
    sandbox = ImmutableSandboxedEnvironment()
    for label, template in credential_type['injectors']['file'].items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as f:
            f.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        setattr(tower.filename, label.split('.')[1], path)
    env = {name: sandbox.from_string(t).render(**namespace) for name, t in credential_type['injectors']['env'].items()}
    extra = {name: sandbox.from_string(t).render(**namespace)
             for name, t in credential_type['injectors']['extra_vars'].items()}
    handle, extra_path = tempfile.mkstemp(dir=env_dir)
    with os.fdopen(handle, 'w') as f:
        yaml.safe_dump(extra, f)
    os.chmod(extra_path, stat.S_IRUSR)
    return env, ['-e', '@' + extra_path]


def static_inventory(listing: dict) -> dict:
    """What AWX hands a job: the synced hosts, their variables and groups (ansible-inventory --list form in,
    YAML inventory out)."""
    hostvars = listing['_meta']['hostvars']
    children = {group: {'hosts': {h: None for h in body.get('hosts', [])}}
                for group, body in listing.items() if group not in ('_meta', 'all') and body.get('hosts')}
    return {'all': {'hosts': hostvars, 'children': children}}


def ansible_env(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'TALOS'))}
    # Ansible's default inventory plugins: the talosconfig source is found through `auto`, as in AWX.
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, PATH=VENV_BIN + os.pathsep + os.environ.get('PATH', ''))
    env.update(extra)
    return env


def sync(source: str, env: dict) -> dict:
    """An inventory update of a project source: ansible-inventory with the credential's environment."""
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-inventory'), '-i', source, '--list'], capture_output=True,
                          text=True, env=ansible_env(env), timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return plain(json.loads(proc.stdout))


def run_job(playbook: str, inventory_file: str, env: dict, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-vvv', '-i', inventory_file, playbook, *args],
                          capture_output=True, text=True, env=ansible_env(env), timeout=600, check=False)


def credential_inputs(fleet, form: str) -> dict:
    with open(fleet.talosconfig, encoding='utf-8') as f:
        text = f.read()
    if form == 'talosconfig':
        return {'talosconfig': text}
    ctx = yaml.safe_load(text)['contexts']['sim']
    return {'context': 'sim', 'endpoints': ', '.join(ctx['endpoints']), 'ca': ctx['ca'], 'crt': ctx['crt'],
            'key': ctx['key']}


def key_material(fleet) -> list[str]:
    """Strings that must never reach a job's output: the client key (base64 and PEM body lines) and certificate."""
    with open(fleet.talosconfig, encoding='utf-8') as f:
        ctx = yaml.safe_load(f)['contexts']['sim']
    pem_lines = [line for line in base64.b64decode(ctx['key']).decode().splitlines() if not line.startswith('-----')]
    return [ctx['key'], ctx['crt'], *pem_lines]


@pytest.mark.parametrize('form, source, playbook', [
    ('talosconfig', 'clusters.talos.yml', os.path.join(PROJECT, 'playbooks', 'fleet_report.yml')),
    ('fields', 'nodes.talos.yml', os.path.join(PLAYBOOKS, 'inventory_node_info.yml')),
])
def test_credential_sync_then_job_without_key_material(fleet, tmp_path, form, source, playbook):
    credential_type = talos_api_type()
    inputs = credential_inputs(fleet, form)
    # Inventory update: the project's source, the credential in a private directory removed afterwards.
    sync_dir = tmp_path / 'sync'
    sync_env = inject(credential_type, inputs, str(sync_dir))[0]
    shutil.copy(os.path.join(PROJECT, 'inventories', source), tmp_path / source)
    synced = sync(str(tmp_path / source), sync_env)
    shutil.rmtree(sync_dir)
    assert synced['_meta']['hostvars'], 'the sync found hosts'
    inventory_file = tmp_path / 'inventory.yml'
    inventory_file.write_text(yaml.safe_dump(static_inventory(synced)))
    # The job, later: a fresh credential file; the synced talos_talosconfig names a file that is gone.
    job_env, job_args = inject(credential_type, inputs, str(tmp_path / 'job'))
    assert stat.S_IMODE(os.stat(job_env['TALOSCONFIG']).st_mode) == 0o600
    proc = run_job(playbook, str(inventory_file), job_env, job_args)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert 'failed=0' in output
    leaked = [secret for secret in key_material(fleet) if secret in output]
    assert not leaked, 'key material in the job output: %r' % leaked


def jq(query: str, document: dict) -> list[dict]:
    proc = subprocess.run(['jq', '-c', query], input=json.dumps(document), capture_output=True, text=True,
                          timeout=30, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.skipif(shutil.which('jq') is None, reason='needs the jq program (Debian package jq)')
def test_event_query_counts_the_machines_of_real_results(fleet, tmp_path):
    with open(EVENT_QUERY, encoding='utf-8') as f:
        queries = yaml.safe_load(f)
    for fqcn in queries:
        namespace, collection, module = fqcn.split('.')
        assert (namespace, collection) == ('talos', 'linux')
        assert os.path.isfile(os.path.join(REPO, 'plugins', 'modules', module + '.py')), fqcn
    worker = fleet.addresses('worker')[0]
    dest = tmp_path / 'events.json'
    run = ansible_playbook('awx_event_results.yml', {'talosconfig': fleet.talosconfig, 'node': worker,
                                                     'dest': str(dest)})
    assert_ok(run)
    results = json.loads(dest.read_text())
    counted: dict[tuple, dict] = {}  # AWX keeps one record per distinct canonical_facts
    for fqcn, res in results.items():
        records = jq(queries[fqcn]['query'], res)
        assert records, fqcn
        for record in records:
            assert record['name'] and record['canonical_facts']['node'] and record['facts']['device_type']
            counted.setdefault(tuple(sorted(record['canonical_facts'].items())), record)
    assert sorted(dict(key)['node'] for key in counted) == sorted(fleet.addresses())
    by_node = {r['canonical_facts']['node']: r for r in counted.values()}
    for machine in fleet.machines:
        assert by_node[machine['address']]['name'] == machine['hostname']
        assert by_node[machine['address']]['facts']['machine_type'] == machine['type']
    assert jq(queries['talos.linux.reboot']['query'], results['talos.linux.reboot'])[0]['name'] == worker
