# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig
from ansible_collections.talos.linux.plugins.module_utils.configgen import client_config, secrets

NOW = datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture
def params(tmp_path):
    return {'dest': str(tmp_path / 'talosconfig'), 'secrets': secrets.generate(), 'context': 'demo',
            'endpoints': ['10.0.0.1'], 'nodes': [], 'roles': ['os:admin'], 'ttl': '8760h',
            'renew_before': '720h', 'src': None, 'force': False}


def test_renewal_happens_only_near_expiry(params):
    first = client_config.reconcile(params, False, NOW)
    assert first.changed and first.contexts == ['demo']
    crt = talosconfig.load(params['dest']).contexts['demo']['crt']
    assert not client_config.reconcile(params, False, NOW + datetime.timedelta(days=300)).changed
    renewed = client_config.reconcile(params, False, NOW + datetime.timedelta(days=340))
    assert renewed.changed and talosconfig.load(params['dest']).contexts['demo']['crt'] != crt


def test_new_endpoints_keep_the_certificate(params):
    client_config.reconcile(params, False, NOW)
    crt = talosconfig.load(params['dest']).contexts['demo']['crt']
    params['endpoints'] = ['10.0.0.2']
    assert client_config.reconcile(params, False, NOW).changed
    ctx = talosconfig.load(params['dest']).contexts['demo']
    assert ctx['crt'] == crt and ctx['endpoints'] == ['10.0.0.2']


def test_other_roles_are_another_context(params):
    client_config.reconcile(params, False, NOW)
    params['roles'] = ['os:reader']
    outcome = client_config.reconcile(params, False, NOW)
    assert outcome.contexts == ['demo-1'] and outcome.renames == [{'from': 'demo', 'to': 'demo-1'}]


@pytest.mark.parametrize('value, seconds', [('8760h', 8760 * 3600), ('1h30m', 5400), ('60', 60), (90, 90)])
def test_durations(value, seconds):
    assert client_config.duration(value, 'ttl').total_seconds() == seconds


def test_bad_duration_names_the_option():
    with pytest.raises(client_config.ClientConfigError, match="ttl: invalid duration 'soon'"):
        client_config.duration('soon', 'ttl')


def test_file_written_as_talosctl_writes_it(params):
    client_config.reconcile(params, False, NOW)
    with open(params['dest'], encoding='utf-8') as f:
        text = f.read()
    assert text.startswith('context: demo\ncontexts:\n    demo:\n        endpoints:\n            - 10.0.0.1\n'
                           '        ca: ')
