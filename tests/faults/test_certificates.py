# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate problems are reported as what they are, not as a network outage.

An expired client certificate is tests/integration/test_client_cert_renewal.py::
test_expired_certificate_fails_with_its_date (it fails before connecting, naming the date); a certificate of
another CA refused by the node is tests/interop/test_client_certificate.py.
"""

from __future__ import annotations

import base64
import os

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.tests.faults.conftest import play, task_message
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture

pytestmark = pytest.mark.faults


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    yield from _fleet_fixture(tmp_path_factory, '--controlplanes', '1', '--workers', '1')


def test_a_talosconfig_trusting_another_ca_is_reported_as_an_untrusted_server_certificate(sim, tmp_path):
    """A talosconfig whose CA did not sign the nodes' certificates fails naming the untrusted certificate."""
    with open(os.path.join(sim.state_dir, 'talosconfig'), encoding='utf-8') as f:
        config = yaml.safe_load(f)
    other = pki.generate_ca('talos')
    config['contexts']['sim']['ca'] = base64.b64encode(other.crt).decode()
    path = tmp_path / 'talosconfig'
    path.write_text(yaml.safe_dump(config))
    run = play(tmp_path, [{'talos.linux.node_info': {'talosconfig': str(path), 'context': 'sim',
                                                     'nodes': [sim.address('talos-worker-1')],
                                                     'fail_on_unreachable': True}}])
    message = task_message(run.output)
    assert run.failed, run.output
    assert 'server certificate not trusted' in message, message
    assert sim.address('talos-cp-1') in message, 'the endpoint that presented it is named'


def test_a_reader_role_doing_an_admin_call_is_refused_naming_the_role_and_changes_nothing(sim, tmp_path):
    """An os:reader certificate asking for a write is refused with its role named; the node keeps its state."""
    worker = sim.address('talos-worker-1')
    talosconfig = os.path.join(sim.state_dir, 'talosconfig')
    out = tmp_path / 'keys.txt'
    run = play(tmp_path, [
        {'name': 'write as a reader', 'talos.linux.meta_key': {'talosconfig': talosconfig, 'context': 'sim-reader',
                                                               'key': 12, 'value': 'from a reader', 'nodes': [worker]},
         'register': 'write', 'ignore_errors': True},
        {'talos.linux.resource_info': {'talosconfig': talosconfig, 'context': 'sim', 'nodes': [worker],
                                       'type': 'MetaKeys.runtime.talos.dev'}, 'register': 'keys'},
        {'ansible.builtin.copy': {'content': '{{ write.msg }}\n{{ keys | to_json }}', 'dest': str(out)}},
    ])
    assert not run.failed, run.output
    message, keys = out.read_text().split('\n', 1)
    assert 'PERMISSION_DENIED' in message and 'os:reader' in message, message
    assert 'from a reader' not in keys, 'the reader wrote to the node'
