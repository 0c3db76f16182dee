# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The factory client over real HTTP: errors carry the URL, the status and the factory's own message."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import FactoryClient, FactoryError
from ansible_collections.talos.linux.tests.unit.plugins.module_utils.imagefactory.canned_factory import (  # noqa: F401 pylint: disable=unused-import
    canned_factory)


def test_reads_versions_and_posts_yaml(canned_factory):
    canned_factory.answer('GET', '/versions', 200, '["v1.14.0","v1.14.1"]\n')
    canned_factory.answer('POST', '/schematics', 201, '{"id":"abc","schematic":"customization: {}\\n"}\n')
    client = FactoryClient(canned_factory.url + '/')
    assert client.versions() == ['v1.14.0', 'v1.14.1']
    assert client.create_schematic('customization: {}\n') == {'id': 'abc', 'schematic': 'customization: {}\n'}
    assert canned_factory.requests[-1] == ('POST', '/schematics', b'customization: {}\n')


def test_an_error_names_the_url_and_the_factory_message(canned_factory):
    canned_factory.answer('GET', '/version/v1.99.0/overlays/official', 404, 'version 1.99.0 is not available\n',
                          'text/plain; charset=utf-8')
    with pytest.raises(FactoryError) as failed:
        FactoryClient(canned_factory.url).official_overlays('v1.99.0')
    url = canned_factory.url + '/version/v1.99.0/overlays/official'
    assert str(failed.value) == 'Image Factory GET %s answered 404: version 1.99.0 is not available' % url
    assert failed.value.result == {'url': url, 'status': 404}


def test_an_unknown_schematic_is_none(canned_factory):
    assert FactoryClient(canned_factory.url).schematic('f' * 64) is None


def test_other_errors_of_a_schematic_lookup_are_raised(canned_factory):
    canned_factory.answer('GET', '/schematics/x', 401, 'authentication required to access this schematic\n')
    with pytest.raises(FactoryError, match='answered 401: authentication required to access this schematic$'):
        FactoryClient(canned_factory.url).schematic('x')


def test_an_answer_that_is_not_json(canned_factory):
    canned_factory.answer('GET', '/versions', 200, '<html>proxy login</html>', 'text/html')
    with pytest.raises(FactoryError, match=r'/versions answered something that is not JSON: b\'<html>proxy login'):
        FactoryClient(canned_factory.url).versions()


def test_a_post_answer_without_id(canned_factory):
    canned_factory.answer('POST', '/schematics', 201, '{}')
    with pytest.raises(FactoryError, match='/schematics answered without a schematic ID'):
        FactoryClient(canned_factory.url).create_schematic('{}')


def test_an_unreachable_factory():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    with pytest.raises(FactoryError) as failed:
        FactoryClient('http://127.0.0.1:%d' % port, timeout=5).versions()
    assert str(failed.value).startswith('cannot reach the Image Factory at http://127.0.0.1:%d/versions: ' % port)
    assert failed.value.status is None


@pytest.mark.parametrize('url', ['factory.talos.dev', 'ftp://factory.talos.dev', 'https://'])
def test_factory_url_must_be_http(url):
    with pytest.raises(TalosError, match='^factory_url must be an http'):
        FactoryClient(url)


def test_the_registry_is_the_factory_host():
    assert FactoryClient('https://factory.talos.dev').registry == 'factory.talos.dev'
    assert FactoryClient('https://10.0.0.2:8443/').registry == '10.0.0.2:8443'
