# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""shutdown's main(): Talos's own drain (graceful, talosctl's --force inverted) and the client drain, off by default
as in talosctl, against a real Kubernetes API (see kube_cluster)."""

from __future__ import annotations

from ansible_collections.talos.linux.plugins.modules import shutdown
from ansible_collections.talos.linux.tests.integration.kube_api import pod
from ansible_collections.talos.linux.tests.unit.plugins.modules.kube_cluster import (  # noqa: F401 pylint: disable=unused-import
    kube_cluster, unschedulable)


def test_talos_drains_by_default_and_the_client_does_not(run, talos):
    talos.reply('shutdown', 'actor-shutdown')
    result = run(shutdown, node='10.5.0.7', wait=False)
    assert talos.mutations == [('shutdown', {'node': '10.5.0.7', 'force': False})]
    assert result['changed'] is True and result['drain'] == {'enabled': False}
    assert talos.called('kubeconfig') == []


def test_graceful_false_is_talosctls_force(run, talos):
    talos.reply('shutdown', 'actor-shutdown')
    run(shutdown, node='10.5.0.7', wait=False, graceful=False)
    assert talos.mutations == [('shutdown', {'node': '10.5.0.7', 'force': True})]


def test_drain_evicts_before_the_shutdown_and_never_uncordons(run, talos, kube_cluster):
    cordoned_at_shutdown = []
    talos.reply('shutdown', lambda node, force: cordoned_at_shutdown.append(unschedulable(kube_cluster)) or 'actor')
    result = run(shutdown, node='10.5.0.7', wait=False, drain=True)
    assert cordoned_at_shutdown == [True] and result['drain']['evicted'] == ['default/web-1']
    assert result['drain']['cordoned'] is True and result['drain']['uncordoned'] is False


def test_emptydir_pods_stop_the_shutdown(run, talos, kube_cluster):
    kube_cluster.create('pods', pod('cache-1', 'worker-1', owner=('ReplicaSet', 'cache-7f'), emptydir=True))
    result = run(shutdown, node='10.5.0.7', drain=True)
    assert result['failed'] and talos.mutations == []
    assert 'cannot delete Pods with local storage (use delete_emptydir_data to override): default/cache-1' in \
        result['msg']
    assert result['drain']['cordoned'] is False and not unschedulable(kube_cluster)
