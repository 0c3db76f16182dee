# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure rules of talos-sim's Kubernetes cluster model: node names, config settings, Talos's node
ownership rules, the scheduler's verdicts and the Deployment's pod-template hash."""

from __future__ import annotations

from simulator.kube import nodes, scheduler, workloads
from simulator.kube.nodename import from_hostname, nodename_proto
from simulator.kube.settings import machine_kube_config

ROLE = 'node-role.kubernetes.io/control-plane'


def test_nodename_from_hostname_as_talos_maps_it():
    assert from_hostname('Talos_CP-1') == 'talos-cp-1'
    assert from_hostname('-.node.example.') == 'node.example'
    assert from_hostname('ünïcode-Node') == 'ncode-node'  # only ASCII letters are kept (and lowercased)


def test_nodename_spec_on_the_wire():
    assert nodename_proto('w1', '2') == b'\n\x02w1\x12\x012'
    assert nodename_proto('w1', '2', True).endswith(b'\x18\x01')


def test_control_plane_label_and_taint_unless_scheduling_is_allowed():
    config = machine_kube_config('version: v1alpha1\nmachine: {type: controlplane, nodeLabels: {zone: a}}\n'
                                 'cluster: {apiServer: {image: registry.k8s.io/kube-apiserver:v1.32.4}}\n')
    assert config.labels == {'zone': 'a', ROLE: ''}
    assert config.taints == ((ROLE, '', 'NoSchedule'),)
    assert config.kubernetes_version == 'v1.32.4'
    allowed = machine_kube_config('version: v1alpha1\nmachine: {type: controlplane}\n'
                                  'cluster: {allowSchedulingOnControlPlanes: true}\n')
    assert allowed.taints == ()
    worker = machine_kube_config('version: v1alpha1\nmachine: {type: worker, nodeTaints: {gpu: "yes:NoExecute"}}\n')
    assert (worker.labels, worker.taints) == ({}, (('gpu', 'yes', 'NoExecute'),))


def test_talos_removes_only_what_it_owns():
    config = machine_kube_config('version: v1alpha1\nmachine: {type: controlplane}\n')
    node = nodes.registration('cp', '10.5.0.2', '10.244.0.0/24', 'now')
    node['metadata']['labels']['team'] = 'x'
    nodes.apply_talos(node, config, 'running')
    assert node['metadata']['annotations'][nodes.OWNED_LABELS] == '["%s"]' % ROLE
    assert node['spec']['taints'] == [{'key': ROLE, 'effect': 'NoSchedule'}]
    worker = machine_kube_config('version: v1alpha1\nmachine: {type: worker}\n')
    nodes.apply_talos(node, worker, 'running')
    assert ROLE not in node['metadata']['labels'] and node['metadata']['labels']['team'] == 'x'
    assert 'taints' not in node['spec'] and nodes.OWNED_TAINTS not in node['metadata']['annotations']


def test_talos_uncordons_only_its_own_cordon():
    config = machine_kube_config('version: v1alpha1\nmachine: {type: worker}\n')
    node = nodes.registration('w', '10.5.0.3', '10.244.1.0/24', 'now')
    nodes.apply_talos(node, config, 'shutting down')
    assert node['spec']['unschedulable'] and node['metadata']['annotations'][nodes.CORDONED] == 'true'
    nodes.apply_talos(node, config, 'running')
    assert 'unschedulable' not in node['spec'] and nodes.CORDONED not in node['metadata']['annotations']
    node['spec']['unschedulable'] = True  # kubectl cordon: not Talos's to undo
    nodes.apply_talos(node, config, 'running')
    assert node['spec']['unschedulable']


def test_silent_kubelet_makes_every_condition_unknown_and_taints_the_node():
    node = nodes.registration('w', '10.5.0.3', '10.244.1.0/24', 't0')
    nodes.post_status(node, nodes.READY, {}, 't0')
    nodes.lifecycle_taints(node, nodes.READY, 't0')
    assert nodes.ready_status(node) == 'True' and 'taints' not in node['spec']
    nodes.post_status(node, nodes.SILENT, {}, 't1')
    nodes.lifecycle_taints(node, nodes.SILENT, 't1')
    assert {c['status'] for c in node['status']['conditions']} == {'Unknown'}
    assert [(t['key'], t['effect']) for t in node['spec']['taints']] == [
        ('node.kubernetes.io/unreachable', 'NoSchedule'), ('node.kubernetes.io/unreachable', 'NoExecute')]
    nodes.post_status(node, nodes.READY, {}, 't2')
    nodes.lifecycle_taints(node, nodes.READY, 't2')
    ready = next(c for c in node['status']['conditions'] if c['type'] == 'Ready')
    assert (ready['status'], ready['lastTransitionTime']) == ('True', 't2') and 'taints' not in node['spec']


def _node(name: str, taints=(), unschedulable: bool = False) -> dict:
    spec = {'taints': [dict(t) for t in taints]} if taints else {}
    if unschedulable:
        spec['unschedulable'] = True
    return {'metadata': {'name': name, 'labels': {'kubernetes.io/os': 'linux'}}, 'spec': spec}


def test_scheduler_picks_the_least_loaded_fitting_node():
    tainted = _node('cp', [{'key': ROLE, 'effect': 'NoSchedule'}])
    nodes_ = [tainted, _node('w1'), _node('w2')]
    assert scheduler.choose({}, nodes_, {'w1': 3, 'w2': 1}) == ('w2', '')
    tolerant = {'tolerations': [{'key': ROLE, 'operator': 'Exists', 'effect': 'NoSchedule'}]}
    assert scheduler.choose(tolerant, nodes_, {'w1': 3, 'w2': 1}) == ('cp', '')


def test_scheduler_explains_why_nothing_fits():
    nodes_ = [_node('cp', [{'key': ROLE, 'effect': 'NoSchedule'}]), _node('w1', unschedulable=True),
              _node('w2', unschedulable=True)]
    assert scheduler.choose({}, nodes_, {}) == (None, (
        '0/3 nodes are available: 1 node(s) had untolerated taint {%s: }, 2 node(s) were unschedulable. '
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.' % ROLE))
    assert scheduler.misfit({'nodeSelector': {'kubernetes.io/os': 'windows'}}, _node('w')) == \
        "node(s) didn't match Pod's node affinity/selector"


def test_pod_template_hash_follows_the_template():
    template = {'metadata': {'labels': {'app': 'web'}}, 'spec': {'containers': [{'name': 'web', 'image': 'a'}]}}
    same = {'spec': {'containers': [{'image': 'a', 'name': 'web'}]}, 'metadata': {'labels': {'app': 'web'}}}
    changed = {'metadata': {'labels': {'app': 'web'}}, 'spec': {'containers': [{'name': 'web', 'image': 'b'}]}}
    assert workloads.template_hash(template) == workloads.template_hash(same)
    assert workloads.template_hash(template) != workloads.template_hash(changed)
    assert set(workloads.template_hash(template)) <= set('bcdfghjklmnpqrstvwxz2456789')
