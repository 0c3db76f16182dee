# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""reset's main() and the drain: off by default (a graceful reset drains on the node, as talosctl leaves it), on
request before the reset, against a real Kubernetes API (see kube_cluster)."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.modules import reset
from ansible_collections.talos.linux.tests.unit.plugins.modules.kube_cluster import (  # noqa: F401 pylint: disable=unused-import
    kube_cluster, unschedulable)


def test_no_client_drain_by_default(run, talos):
    talos.reply('reset', 'actor-reset')
    result = run(reset, node='10.5.0.7', wait=False)
    assert [name for name, _args in talos.mutations] == ['reset'] and talos.mutations[0][1]['graceful'] is True
    assert result['drain'] == {'enabled': False} and talos.called('kubeconfig') == []


def test_drain_evicts_before_the_reset(run, talos, kube_cluster):
    cordoned_at_reset = []
    talos.reply('reset', lambda **_args: cordoned_at_reset.append(unschedulable(kube_cluster)) or 'actor-reset')
    result = run(reset, node='10.5.0.7', wait=False, drain=True, drain_timeout=30)
    assert cordoned_at_reset == [True] and result['drain']['evicted'] == ['default/web-1']
    assert 'default/web-1' not in kube_cluster.names('pods')
