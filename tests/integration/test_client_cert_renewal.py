# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client certificate expiry through the real ansible-playbook against talos-sim: node_info reports it,
client_config renews it from the secrets bundle (idempotently), an expired one fails with its date."""

from __future__ import annotations

import base64
import datetime
import json
import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki, talosconfig as _talosconfig
from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets, talosconfig
from ansible_collections.talos.linux.tests.integration.conftest import ansible_playbook, assert_ok, sim, start_fleet

NOW = datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture(scope='module')
def bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp('renewal-bundle') / 'secrets.yaml'
    bundle = secrets.generate('v1.14')
    path.write_text(secrets.dumps(bundle))
    os.chmod(path, 0o600)
    return str(path), bundle


@pytest.fixture(scope='module')
def fleet_with_bundle(tmp_path_factory, bundle):
    state = str(tmp_path_factory.mktemp('renewal-fleet'))
    fleet = start_fleet(state, '--controlplanes', '1', '--secrets', bundle[0])
    yield fleet
    sim('down', '--state-dir', state)


def _write_talosconfig(path, bundle, endpoint, days_left: int, extra: dict | None = None) -> bytes:
    """A talosconfig whose context 'ops' holds an os:operator certificate with days_left to live."""
    os_ca = bundle['certs']['os']
    ca = pki.CertAndKey(base64.b64decode(os_ca['crt']), base64.b64decode(os_ca['key']))
    lifetime = datetime.timedelta(days=365)
    cert = pki.issue_certificate(ca, organizations=['os:operator'], client=True, lifetime=lifetime,
                                 start=NOW + datetime.timedelta(days=days_left) - lifetime)
    contexts = {'ops': _talosconfig.encode_context([endpoint], [], ca.crt, cert.crt, cert.key)}
    contexts.update(extra or {})
    path.write_text(_talosconfig.dumps(_talosconfig.Talosconfig(None, 'ops', contexts)))
    os.chmod(path, 0o600)
    return cert.crt


def test_node_info_reports_expiry_and_client_config_renews(tmp_path, bundle, fleet_with_bundle):
    path = tmp_path / 'talosconfig'
    other = secrets.generate('v1.14')
    theirs = yaml.safe_load(_talosconfig.dumps(talosconfig.generate(other, 'theirs', ['10.9.9.9'])))
    old_crt = _write_talosconfig(path, bundle[1], fleet_with_bundle.addresses()[0], 10,
                                 {'theirs': theirs['contexts']['theirs']})
    out = tmp_path / 'result.json'
    assert_ok(ansible_playbook('client_cert_renewal.yml', {'path': str(path), 'secrets': bundle[0],
                                                           'renew_within': '720h', 'out': str(out)}))
    result = json.loads(out.read_text())
    before = result['before']['client_certificate']
    assert before['days_left'] in (9, 10)
    assert before['source'] == "talosconfig %s, context 'ops' (context field crt)" % path
    assert result['predicted']['changed'] and result['predicted']['renewed'] == ['ops']
    assert result['renewed']['changed'] and result['renewed']['renewed'] == ['ops'], 'theirs is not ours to renew'
    assert not result['again']['changed'] and result['again']['renewed'] == []
    assert result['after']['client_certificate']['days_left'] >= 364
    assert result['after']['nodes'][0]['reachable'], 'the renewed certificate is accepted'
    contexts = yaml.safe_load(path.read_text())['contexts']
    assert contexts['theirs'] == theirs['contexts']['theirs']
    new = pki.load_certificates(_talosconfig.load(str(path)).select('ops').crt)[0]
    assert [a.value for a in new.subject] == ['os:operator'], 'the same roles'
    assert new != pki.load_certificates(old_crt)[0]


def test_expired_certificate_fails_with_its_date(tmp_path, bundle, fleet_with_bundle):
    path = tmp_path / 'talosconfig'
    crt = _write_talosconfig(path, bundle[1], fleet_with_bundle.addresses()[0], -1)
    not_after = pki.load_certificates(crt)[0].not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert_ok(ansible_playbook('node_info_fails.yml', {'params': {'talosconfig': str(path)}, 'message': [
        "the client certificate from talosconfig %s, context 'ops' (context field crt) cannot be used" % path,
        'certificate expired %s' % not_after, 'renew_within']}))


def test_renew_within_bad_input_names_the_option(tmp_path, bundle):
    path = tmp_path / 'talosconfig'
    missing = ansible_playbook('client_config.yml', {'path': str(path), 'secrets': bundle[0], 'renew_within': '720h',
                                                     'out': str(tmp_path / 'x.json')})
    assert missing.rc != 0 and 'there is no talosconfig to renew' in missing.output, missing.output
    _write_talosconfig(path, secrets.generate('v1.14'), '10.5.0.2', 3)
    foreign = ansible_playbook('client_config.yml', {'path': str(path), 'secrets': bundle[0], 'renew_within': '720h',
                                                     'context': 'ops', 'out': str(tmp_path / 'x.json')})
    assert foreign.rc != 0 and "context 'ops': its client certificate was not issued by the OS CA of secrets" \
        in foreign.output, foreign.output
    bad = ansible_playbook('client_config.yml', {'path': str(path), 'secrets': bundle[0], 'renew_within': 'soon',
                                                 'out': str(tmp_path / 'x.json')})
    assert bad.rc != 0 and "option renew_within: 'soon' is not a duration such as 90s" in bad.output, bad.output
