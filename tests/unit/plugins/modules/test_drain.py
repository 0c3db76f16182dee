# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""drain's main(): the three states against a real Kubernetes API, idempotence, check mode, where the kubeconfig
and the node name come from, and the errors."""

from __future__ import annotations

import json
import sys
import threading
import time

from ansible_collections.talos.linux.plugins.modules import drain
from ansible_collections.talos.linux.tests.unit.plugins.modules.kube_cluster import (  # noqa: F401 pylint: disable=unused-import
    NODENAME, kube_cluster, unschedulable)


def test_drains_with_the_kubeconfig_talos_issues_and_the_node_name_the_node_reports(run, talos, kube_cluster):
    result = run(drain, node='10.5.0.7')
    assert result['changed'] is True and result['node'] == '10.5.0.7' and result['node_name'] == 'worker-1'
    assert result['cordoned'] is True and unschedulable(kube_cluster)
    assert result['drain']['evicted'] == ['default/web-1']
    assert result['drain']['skipped'] == [{'pod': 'kube-system/kube-proxy-a', 'reason': 'DaemonSet-managed'}]
    assert talos.called('kubeconfig') == [{'node': None}], 'from the endpoint, not from the (worker) node'
    assert talos.called('get_resource') == [dict(zip(('namespace', 'resource_type', 'resource_id'), NODENAME),
                                                 node='10.5.0.7')]
    assert talos.mutations == []


def test_draining_a_drained_node_changes_nothing(run, talos, kube_cluster):
    assert run(drain, node='10.5.0.7')['changed'] is True
    again = run(drain, node='10.5.0.7')
    assert again['changed'] is False and again['drain']['evicted'] == [] and again['drain']['already_cordoned']
    assert again['msg'] == 'Kubernetes node worker-1 is cordoned and has no pods left to evict'


def test_check_mode_lists_what_would_be_evicted_and_changes_nothing(run, talos, kube_cluster):
    result = run(drain, check=True, node='10.5.0.7')
    assert result['changed'] is True and result['drain']['evicted'] == ['default/web-1']
    assert not unschedulable(kube_cluster) and 'default/web-1' in kube_cluster.names('pods')


def test_cordon_and_uncordon_are_idempotent(run, talos, kube_cluster):
    assert run(drain, node='10.5.0.7', state='cordoned', check=True)['changed'] is True
    assert not unschedulable(kube_cluster)
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is True and unschedulable(kube_cluster)
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is False
    assert 'default/web-1' in kube_cluster.names('pods'), 'cordoning evicts nothing'
    result = run(drain, node='10.5.0.7', state='uncordoned', wait_ready=True)
    assert result['changed'] is True and result['cordoned'] is False and not unschedulable(kube_cluster)
    assert run(drain, node='10.5.0.7', state='uncordoned')['changed'] is False


def test_only_own_lifts_only_a_cordon_of_the_collection(run, talos, kube_cluster):
    kube_cluster.in_loop(lambda: kube_cluster.store.patch('nodes', None, 'worker-1', {'spec': {'unschedulable': True}},
                                                          'application/merge-patch+json'))
    kept = run(drain, node='10.5.0.7', state='uncordoned', only_own=True)
    assert kept['changed'] is False and kept['cordoned'] is True and unschedulable(kube_cluster)
    assert kept['msg'] == 'Kubernetes node worker-1 stays cordoned: it was cordoned by someone else than this collection'
    assert run(drain, node='10.5.0.7', state='uncordoned')['changed'] is True  # without only_own: any cordon
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is True
    lifted = run(drain, node='10.5.0.7', state='uncordoned', only_own=True)
    assert lifted['changed'] is True and not unschedulable(kube_cluster)


def test_kubeconfig_option_as_content_is_used_and_never_shown(run, talos, kube_cluster):
    config = kube_cluster.kubeconfig()
    content = json.dumps(config)
    result = run(drain, node='10.5.0.7', state='cordoned', kubeconfig=content)
    assert result['changed'] is True and talos.called('kubeconfig') == []
    key = config['users'][0]['user']['client-key-data']
    assert key not in json.dumps(result)


def test_kubeconfig_option_as_path(run, talos, kube_cluster, tmp_path):
    path = tmp_path / 'kubeconfig'
    path.write_text(json.dumps(kube_cluster.kubeconfig()))
    assert run(drain, node='10.5.0.7', state='cordoned', kubeconfig=str(path))['changed'] is True
    assert talos.called('kubeconfig') == []


def test_uncordon_waits_for_an_api_away_after_a_control_plane_reboot(run, talos, kube_cluster):
    # The rolling upgrade uncordons after a Talos-side health gate, which does not cover the Kubernetes API: the
    # kube-apiserver of a control plane that rebooted may still answer 503 (talos-sim's API without its storage).
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is True
    kube_cluster.call(kube_cluster.server.set_available, False)
    back = threading.Timer(1.5, lambda: kube_cluster.call(kube_cluster.server.set_available, True))
    back.start()
    started = time.monotonic()
    result = run(drain, node='10.5.0.7', state='uncordoned', only_own=True, wait_timeout=30)
    back.join()
    assert time.monotonic() - started >= 1.5, 'the first read met the 503 and was asked again'
    assert result['changed'] is True and not unschedulable(kube_cluster)


def test_uncordon_gives_up_on_an_api_away_at_the_wait_timeout_and_leaves_the_cordon(run, talos, kube_cluster):
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is True
    kube_cluster.call(kube_cluster.server.set_available, False)
    result = run(drain, node='10.5.0.7', state='uncordoned', wait_timeout=2)
    assert result['failed'] and result['node'] == '10.5.0.7'
    assert result['msg'] == ('node 10.5.0.7: reading Kubernetes node worker-1 refused for 2s, the Kubernetes API '
                             'answered 503: the server is currently unable to handle the request')
    kube_cluster.call(kube_cluster.server.set_available, True)
    assert unschedulable(kube_cluster)


def test_check_mode_uncordon_does_not_wait_for_the_api(run, talos, kube_cluster):
    assert run(drain, node='10.5.0.7', state='cordoned')['changed'] is True
    kube_cluster.call(kube_cluster.server.set_available, False)
    started = time.monotonic()
    result = run(drain, check=True, node='10.5.0.7', state='uncordoned', wait_timeout=30)
    assert result['failed'] and 'the server is currently unable to handle the request' in result['msg']
    assert time.monotonic() - started < 15


def test_a_user_kubernetes_forbids_is_named(run, talos, kube_cluster):
    config = kube_cluster.kubeconfig(user='ops', groups=('ops',))
    result = run(drain, node='10.5.0.7', kubeconfig=json.dumps(config))
    assert result['failed'] and result['node'] == '10.5.0.7'
    assert 'kubeconfig user "ops@sim" (403 Forbidden)' in result['msg'] and 'User "ops" cannot get' in result['msg']


def test_node_unknown_to_kubernetes_is_named(run, talos, kube_cluster):
    talos.resources[NODENAME] = {'nodename': 'worker-9'}
    result = run(drain, node='10.5.0.7')
    assert result['failed'] and result['msg'] == 'node 10.5.0.7: Kubernetes node "worker-9" not found at %s' % \
        kube_cluster.url


def test_node_without_nodename_is_named(run, talos):
    result = run(drain, node='10.5.0.7', kubeconfig='{"clusters": [{"name": "c", "cluster": {"server": "x"}}]}')
    assert result['failed'] and 'cannot tell the Kubernetes node name' in result['msg']
    assert result['node'] == '10.5.0.7'


def test_missing_library_names_the_package(run, talos, kube_cluster, monkeypatch):
    monkeypatch.setitem(sys.modules, 'kubernetes', None)
    result = run(drain, node='10.5.0.7')
    assert result['failed'] and 'kubernetes' in result['msg'] and 'pip install kubernetes' in result['msg']
    assert 'talos.linux.drain' in result['msg']


def test_bad_state_is_named(run, talos):
    result = run(drain, state='evicted')
    assert result['failed'] and 'state' in result['msg'] and 'evicted' in result['msg'] and talos.calls == []
