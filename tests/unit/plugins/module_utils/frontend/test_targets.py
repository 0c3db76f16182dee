# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The target rules: an explicitly empty target is an error; a destructive operation needs a named node."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend.targets import (destructive_node,
                                                                                   empty_target_problem)

SPEC = {'node': {'type': 'str'}, 'nodes': {'type': 'list'}}


@pytest.mark.parametrize('params, expected', [
    ({'node': ''}, 'option node is empty'),
    ({'node': ' \t'}, 'option node is empty'),
    ({'nodes': []}, 'option nodes is an empty list'),
    ({'nodes': ['10.5.0.2', '']}, 'option nodes has an empty entry (at position 1)'),
    ({'nodes': [None]}, 'option nodes has an empty entry (at position 0)'),
])
def test_an_explicitly_empty_target_is_named(params, expected):
    assert empty_target_problem(params, SPEC).startswith(expected)


@pytest.mark.parametrize('params', [{}, {'node': None, 'nodes': None}, {'node': '10.5.0.2'},
                                    {'nodes': ['10.5.0.2', 'talos-1']}])
def test_a_target_left_out_or_given_is_fine(params):
    assert empty_target_problem(params, SPEC) is None


def test_only_the_modules_own_target_options_are_checked():
    assert empty_target_problem({'nodes': []}, {'node': {'type': 'str'}}) is None


def settings(nodes, context='prod'):
    return ConnectionSettings(endpoints=['10.5.0.2'], nodes=nodes, context=context)


def test_the_option_wins():
    assert destructive_node(settings(['10.5.0.7']), '10.5.0.7', 'reset') == '10.5.0.7'


def test_the_single_node_of_the_context_is_the_target():
    assert destructive_node(settings(['10.5.0.7']), None, 'reset') == '10.5.0.7'


def test_no_node_anywhere_never_means_the_endpoint():
    with pytest.raises(TalosError) as error:
        destructive_node(settings([]), None, 'reset')
    assert str(error.value).startswith("reset needs a target: set node, the host's talos_node, or nodes in the "
                                       "talosconfig context (context 'prod' names no node")
    assert '10.5.0.2' not in str(error.value)


def test_several_context_nodes_are_not_narrowed_to_one():
    with pytest.raises(TalosError) as error:
        destructive_node(settings(['10.5.0.7', '10.5.0.8'], context=None), None, 'reboot')
    assert str(error.value) == ('reboot acts on one node, and the talosconfig context names 2 (10.5.0.7, 10.5.0.8): '
                                'set node to the one to reboot')
