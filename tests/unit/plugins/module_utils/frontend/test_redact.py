# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64

import yaml

from ansible_collections.talos.linux.plugins.module_utils.configgen import generate, secrets
from ansible_collections.talos.linux.plugins.module_utils.frontend import redact
from ansible_collections.talos.linux.tests.unit import vectors


def _bundle():
    with open(vectors.path('generate/secrets.yaml'), encoding='utf-8') as f:
        return secrets.loads(f.read())


def test_generated_config_has_no_secret_left():
    bundle = _bundle()
    for contract in ('v1.11', 'v1.14'):
        text = generate.generate(bundle, 'demo', 'https://1.2.3.4:6443', 'controlplane', '1.33.1', contract).encode()
        shown = redact.redact_text(text)
        for value in (bundle['certs']['os']['key'], bundle['certs']['etcd']['key'], bundle['trustdinfo']['token'],
                      bundle['secrets']['bootstraptoken'], bundle['cluster']['secret'],
                      bundle['secrets']['secretboxencryptionsecret'], bundle['certs']['k8sserviceaccount']['key']):
            assert value not in shown, contract
        assert 'PRIVATE KEY' in text or contract != 'v1.14', 'v1.14 documents hold PEM text'
        assert 'PRIVATE KEY' not in shown
        assert bundle['certs']['os']['crt'] in shown, 'certificates are public and stay'
        assert len(list(yaml.safe_load_all(shown))) == len(list(yaml.safe_load_all(text)))


def test_bundle_and_talosconfig_keys():
    shown = redact.redact(_bundle())
    assert shown['certs']['os']['key'] == redact.MARKER and shown['cluster']['secret'] == redact.MARKER
    assert shown['cluster']['id'] == _bundle()['cluster']['id']
    assert redact.redact({'contexts': {'a': {'key': 'abc', 'endpoints': ['x']}}}) == \
        {'contexts': {'a': {'key': redact.MARKER, 'endpoints': ['x']}}}


def test_private_key_anywhere_and_empty_values():
    pem = '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n'
    data = {'files': [{'content': pem}, {'content': base64.b64encode(pem.encode()).decode()}], 'token': ''}
    assert redact.redact(data) == {'files': [{'content': redact.MARKER}, {'content': redact.MARKER}], 'token': ''}


def test_unparsable_text_is_not_shown():
    assert 'secret' not in redact.redact_text('key: [secret')
