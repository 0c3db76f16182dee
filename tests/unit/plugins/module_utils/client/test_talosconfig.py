# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import talosconfig as tc
from ansible_collections.talos.linux.tests.unit import vectors

MERGE_CASES = vectors.cases('talosconfig_merge')


def test_vectors_present():
    assert len(MERGE_CASES) >= 3


@pytest.mark.parametrize('case', MERGE_CASES, ids=[c['id'] for c in MERGE_CASES])
def test_merge_vectors(case):
    base = tc.load(vectors.path(case['inputs']['config']))
    renames = []
    for incoming in case['inputs']['merge']:
        renames += tc.merge(base, tc.load(vectors.path(incoming)))
    expected = case['expected']
    with open(vectors.path(expected['file']), encoding='utf-8') as f:
        assert yaml.safe_load(tc.dumps(base)) == yaml.safe_load(f)
    assert base.context == expected['current_context']
    assert sorted(base.contexts) == sorted(expected['context_names'])
    assert [{'from': a, 'to': b} for a, b in renames] == expected['renames']


def _env(tmp_path, **extra):
    env = {'HOME': str(tmp_path / 'home')}
    env.update(extra)
    return env


def _touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('context: x\ncontexts: {x: {endpoints: [a]}}\n')
    return str(path)


def test_path_order_explicit_wins(tmp_path):
    env = _env(tmp_path, TALOSCONFIG=_touch(tmp_path / 'env'))
    assert tc.resolve_path('/some/explicit', env) == '/some/explicit'


def test_path_order_env_then_xdg_then_talos_home_then_home(tmp_path):
    home = _touch(tmp_path / 'home' / '.talos' / 'config')
    env = _env(tmp_path)
    assert tc.resolve_path(None, env) == home
    talos_home = _touch(tmp_path / 'th' / 'config')
    env['TALOS_HOME'] = str(tmp_path / 'th')
    assert tc.resolve_path(None, env) == talos_home
    env['XDG_CONFIG_HOME'] = str(tmp_path / 'xdg')
    assert tc.resolve_path(None, env) == talos_home, 'XDG is used only when the file exists'
    xdg = _touch(tmp_path / 'xdg' / 'talos' / 'config.yaml')
    assert tc.resolve_path(None, env) == xdg
    env['TALOSCONFIG'] = '/from/env'
    assert tc.resolve_path(None, env) == '/from/env'


def test_relative_talos_home_is_ignored(tmp_path):
    home = _touch(tmp_path / 'home' / '.talos' / 'config')
    _touch(tmp_path / 'rel' / 'config')
    assert tc.resolve_path(None, _env(tmp_path, TALOS_HOME='rel')) == home


def test_no_talosconfig_anywhere_names_candidates(tmp_path):
    with pytest.raises(tc.TalosconfigError, match=r'no talosconfig found.*\.talos/config'):
        tc.resolve_path(None, _env(tmp_path))


def _pem(label):
    return ('-----BEGIN %s-----\nAAAA\n-----END %s-----\n' % (label, label)).encode()


def test_select_context_decodes_pem(tmp_path):
    raw = {
        'context': 'a',
        'contexts': {
            'a': {'endpoints': ['10.0.0.1'], 'nodes': ['10.0.0.2'],
                  'ca': base64.b64encode(_pem('CERTIFICATE')).decode(),
                  'crt': base64.b64encode(_pem('CERTIFICATE')).decode(),
                  'key': base64.b64encode(_pem('ED25519 PRIVATE KEY')).decode()},
            'b': {'target': '10.9.9.9'},
        },
    }
    config = tc.loads(yaml.safe_dump(raw), 'f')
    ctx = config.select()
    assert ctx.name == 'a' and ctx.endpoints == ['10.0.0.1'] and ctx.nodes == ['10.0.0.2']
    assert ctx.key.startswith(b'-----BEGIN ED25519 PRIVATE KEY')
    assert config.select('b').endpoints == ['10.9.9.9'], 'legacy target becomes the endpoint'


@pytest.mark.parametrize('text, message', [
    ('context: [', 'talosconfig f: invalid YAML'),
    ('- a\n- b\n', 'expected a mapping'),
    ('contexts: {a: [1]}', 'must map context names to mappings'),
])
def test_malformed_files(text, message):
    with pytest.raises(tc.TalosconfigError, match=message):
        tc.loads(text, 'f')


def test_unknown_context_lists_known_ones():
    config = tc.loads('context: a\ncontexts: {a: {}, b: {}}', 'f')
    with pytest.raises(tc.TalosconfigError, match=r"context 'zz' not found \(contexts: a, b\)"):
        config.select('zz')


def test_bad_base64_names_context_and_field():
    config = tc.loads('context: a\ncontexts: {a: {ca: "not base64!"}}', 'f')
    with pytest.raises(tc.TalosconfigError, match=r"context 'a'.*'ca' is not valid base64"):
        config.select()


def test_missing_file():
    with pytest.raises(tc.TalosconfigError, match='talosconfig /nonexistent/x: file not found'):
        tc.load('/nonexistent/x')
