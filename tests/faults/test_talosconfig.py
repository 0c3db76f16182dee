# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Malformed talosconfigs: each fails the task before anything is sent, naming the file and what is wrong."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.tests.faults.conftest import play, task_message

pytestmark = pytest.mark.faults

GOOD_CONTEXT = {'endpoints': ['127.0.0.1'], 'ca': 'bm90IGEgY2VydA==', 'crt': 'bm90IGEgY2VydA==',
                'key': 'bm90IGEga2V5'}

# (row id, file text or None for no file, options, words the message must contain)
ROWS = [
    ('missing-file', None, {}, ['{path}']),
    ('bad-yaml', 'context: a\ncontexts: {a: [unclosed\n', {}, ['{path}', 'invalid YAML']),
    ('not-a-mapping', '- just\n- a list\n', {}, ['{path}']),
    ('missing-context', 'context: a\ncontexts:\n  a: {endpoints: [127.0.0.1]}\n', {'context': 'nope'},
     ['{path}', 'nope']),
    ('current-context-missing', 'context: gone\ncontexts:\n  a: {endpoints: [127.0.0.1]}\n', {}, ['{path}', 'gone']),
    ('bad-base64', 'context: a\ncontexts:\n  a: {endpoints: [127.0.0.1], ca: "%%%", crt: "%%%", key: "%%%"}\n', {},
     ['{path}']),
    ('base64-not-pem', 'context: a\ncontexts:\n  a: {endpoints: [127.0.0.1], ca: bm90IGEgY2VydA==, '
     'crt: bm90IGEgY2VydA==, key: bm90IGEga2V5}\n', {}, ['{path}', "'ca'"]),
    ('endpoint-port-out-of-range', 'context: a\ncontexts:\n  a: {endpoints: ["127.0.0.1:99999"]}\n', {},
     ['{path}', 'endpoints', '99999']),
]


@pytest.mark.parametrize('row, text, options, words', ROWS, ids=[row[0] for row in ROWS])
def test_a_malformed_talosconfig_fails_naming_the_file_and_the_problem(tmp_path, row, text, options, words):
    """A malformed talosconfig fails the task with the file and the problem named, no traceback, nothing sent."""
    path = tmp_path / 'talosconfig'
    if text is not None:
        path.write_text(text)
    run = play(tmp_path, [{'talos.linux.node_info': dict({'talosconfig': str(path)}, **options)}])
    message = task_message(run.output)
    assert run.failed, run.output
    assert 'Traceback' not in run.output and 'unexpected error' not in message, run.output
    missing = [w.format(path=path) for w in words if w.format(path=path) not in message]
    assert not missing, 'message does not name %s: %s' % (missing, message)
