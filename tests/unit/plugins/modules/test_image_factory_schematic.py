# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""image_factory_schematic's main() against a canned factory (what talos-sim's factory cannot be made to answer)."""

from __future__ import annotations

import json

from ansible_collections.talos.linux.plugins.modules import image_factory_schematic
from ansible_collections.talos.linux.tests.unit.plugins.module_utils.imagefactory.canned_factory import (  # noqa: F401 pylint: disable=unused-import
    canned_factory)

CANONICAL = 'customization:\n    extraKernelArgs:\n        - noapic\n        - nolapic\n'
ID = '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c'
SCHEMATIC = '{"customization": {"extraKernelArgs": ["noapic", "nolapic"]}}'


def _run(run, factory, check=False, **args):
    args.setdefault('schematic', SCHEMATIC)
    return run(image_factory_schematic, check=check, talosconfig=None, factory_url=factory.url, **args)


def test_creates_an_unknown_schematic(run, canned_factory):
    canned_factory.answer('POST', '/schematics', 201, json.dumps({'id': ID, 'schematic': CANONICAL}))
    result = _run(run, canned_factory)
    assert result['changed'] is True and result['created'] is True
    assert (result['id'], result['schematic'], result['factory_url']) == (ID, CANONICAL, canned_factory.url)
    assert canned_factory.requests == [('GET', '/schematics/' + ID, b''),
                                       ('POST', '/schematics', CANONICAL.encode())]


def test_a_known_schematic_is_not_sent(run, canned_factory):
    canned_factory.answer('GET', '/schematics/' + ID, 200, CANONICAL, 'application/yaml')
    result = _run(run, canned_factory, schematic={'customization': {'extraKernelArgs': ['noapic', 'nolapic']}})
    assert result['changed'] is False and result['created'] is False and result['id'] == ID
    assert [method for method, _path, _body in canned_factory.requests] == ['GET']


def test_check_mode_sends_nothing(run, canned_factory):
    result = _run(run, canned_factory, check=True)
    assert result['changed'] is False and result['created'] is None and result['id'] == ID
    assert not canned_factory.requests


def test_a_different_factory_id_fails_naming_both(run, canned_factory):
    canned_factory.answer('POST', '/schematics', 201, json.dumps({'id': 'f' * 64, 'schematic': 'other'}))
    result = _run(run, canned_factory)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith('the Image Factory at %s gave the schematic ID %s, but this collection computes '
                                    '%s for it' % (canned_factory.url, 'f' * 64, ID))


def test_an_unknown_field_fails_before_anything_is_sent(run, canned_factory):
    result = _run(run, canned_factory, schematic={'customization': {'extraKernelArg': ['noapic']}})
    assert result['failed'] is True and not canned_factory.requests
    assert result['msg'].startswith("schematic: customization.extraKernelArg: unknown field 'extraKernelArg'")


def test_a_factory_error_names_url_and_message(run, canned_factory):
    canned_factory.answer('POST', '/schematics', 400, 'yaml: line 1: did not find expected key\n', 'text/plain')
    result = _run(run, canned_factory)
    assert result['failed'] is True and result['status'] == 400
    assert result['msg'] == 'Image Factory POST %s/schematics answered 400: yaml: line 1: did not find expected ' \
        'key' % canned_factory.url


def test_a_bad_factory_url_names_the_option(run):
    result = run(image_factory_schematic, talosconfig=None, factory_url='factory.talos.dev', schematic='{}')
    assert result['failed'] is True and result['msg'].startswith('factory_url must be an http(s) URL')
