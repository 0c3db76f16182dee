# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Kubernetes API server against real clients: kubectl and the official Python client, over HTTPS.

The server runs on its own event loop in a thread (the Python client and kubectl block); the tests put nodes
and pods into its store directly, on that loop, since making them is the cluster model's job, not the API's.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import threading
import time
from typing import Any, Optional

import pytest
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch
from kubernetes.client.rest import ApiException

from simulator import pki
from ansible_collections.talos.linux.tests.integration.kube_api import KUBECTL, KubeApi

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is not installed')


@pytest.fixture
def kube():
    with KubeApi() as api:
        yield api


# ---------------------------------------------------------------- objects as a cluster would hold them

def node(name: str, *, ready: bool = True, role: Optional[str] = None, address: str = '10.5.0.2',
         unschedulable: bool = False) -> dict:
    labels = {'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux'}
    if role:
        labels['node-role.kubernetes.io/' + role] = ''
    spec = {'unschedulable': True} if unschedulable else {}
    return {'metadata': {'name': name, 'labels': labels}, 'spec': spec, 'status': {
        'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'Unknown',
                        'reason': 'KubeletReady' if ready else 'NodeStatusUnknown'}],
        'addresses': [{'type': 'InternalIP', 'address': address}, {'type': 'Hostname', 'address': name}],
        'nodeInfo': {'machineID': 'a' * 32, 'systemUUID': 'b' * 32, 'bootID': 'c' * 32,
                     'kernelVersion': '6.12.57-talos', 'osImage': 'Talos (v1.13.9)',
                     'containerRuntimeVersion': 'containerd://2.1.5', 'kubeletVersion': 'v1.34.0',
                     'kubeProxyVersion': '', 'operatingSystem': 'linux', 'architecture': 'amd64'}}}


def pod(name: str, node_name: str, *, namespace: str = 'default', labels: Optional[dict] = None,
        ready: bool = True, owner: Optional[tuple[str, str]] = None, ip: str = '10.244.0.5',
        restarts: int = 0) -> dict:
    meta: dict[str, Any] = {'name': name, 'namespace': namespace, 'labels': labels or {}}
    if owner:
        meta['ownerReferences'] = [{'apiVersion': 'apps/v1', 'kind': owner[0], 'name': owner[1],
                                    'uid': 'uid-' + owner[1], 'controller': True, 'blockOwnerDeletion': True}]
    return {'metadata': meta, 'spec': {'nodeName': node_name, 'containers': [{'name': 'app', 'image': 'nginx:1.27'}]},
            'status': {'phase': 'Running', 'podIP': ip, 'podIPs': [{'ip': ip}],
                       'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'False'}],
                       'containerStatuses': [{'name': 'app', 'ready': ready, 'restartCount': restarts,
                                              'image': 'docker.io/library/nginx:1.27', 'imageID': 'sha256:' + '0' * 64,
                                              'containerID': 'containerd://' + '1' * 64, 'started': True,
                                              'state': {'running': {'startedAt': '2026-01-01T00:00:00Z'}}}]}}


def pdb(name: str, selector: dict, *, min_available: Any = None, max_unavailable: Any = None) -> dict:
    spec: dict[str, Any] = {'selector': {'matchLabels': selector}}
    if min_available is not None:
        spec['minAvailable'] = min_available
    if max_unavailable is not None:
        spec['maxUnavailable'] = max_unavailable
    return {'metadata': {'name': name, 'namespace': 'default'}, 'spec': spec}


def table(output: str) -> list[dict[str, str]]:
    """kubectl's table output as rows of {HEADER: cell}, cut at the header's column starts."""
    lines = [line for line in output.splitlines() if line.strip()]
    columns = list(re.finditer(r'\S+(?: \S+)*', lines[0]))  # headers may hold one space: NOMINATED NODE
    bounds = [(c.start(), n.start()) for c, n in zip(columns, columns[1:])] + [(columns[-1].start(), None)]
    return [{c.group(0): line[a:b].strip() for c, (a, b) in zip(columns, bounds)} for line in lines[1:]]


# ---------------------------------------------------------------- kubectl

def test_kubectl_get_nodes_wide(kube):
    kube.call(kube.store.create, 'nodes', node('talos-cp-1', role='control-plane', address='10.5.0.2'))
    kube.call(kube.store.create, 'nodes', node('talos-worker-1', ready=False, address='10.5.0.3', unschedulable=True))
    rows = table(kube.kubectl('get', 'nodes', '-o', 'wide').stdout)
    assert [r['NAME'] for r in rows] == ['talos-cp-1', 'talos-worker-1']
    cp, worker = rows
    assert (cp['STATUS'], cp['ROLES'], cp['VERSION'], cp['INTERNAL-IP'], cp['EXTERNAL-IP']) == \
        ('Ready', 'control-plane', 'v1.34.0', '10.5.0.2', '<none>')
    assert (cp['OS-IMAGE'], cp['KERNEL-VERSION'], cp['CONTAINER-RUNTIME']) == \
        ('Talos (v1.13.9)', '6.12.57-talos', 'containerd://2.1.5')
    assert cp['AGE'].endswith('s')
    assert (worker['STATUS'], worker['ROLES']) == ('NotReady,SchedulingDisabled', '<none>')
    narrow = table(kube.kubectl('get', 'nodes').stdout)
    assert list(narrow[0]) == ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']


def test_kubectl_get_pods_all_namespaces(kube):
    kube.call(kube.store.create, 'pods', pod('kube-apiserver-talos-cp-1', 'talos-cp-1', namespace='kube-system',
                                             restarts=0))
    kube.call(kube.store.create, 'pods', pod('web-1', 'talos-worker-1', ready=False, ip='10.244.1.7'))
    rows = table(kube.kubectl('get', 'pods', '-A', '-o', 'wide').stdout)
    assert [(r['NAMESPACE'], r['NAME'], r['READY'], r['STATUS'], r['RESTARTS'], r['NODE'], r['IP']) for r in rows] == [
        ('default', 'web-1', '0/1', 'Running', '0', 'talos-worker-1', '10.244.1.7'),
        ('kube-system', 'kube-apiserver-talos-cp-1', '1/1', 'Running', '0', 'talos-cp-1', '10.244.0.5')]
    assert (rows[0]['NOMINATED NODE'], rows[0]['READINESS GATES']) == ('<none>', '<none>')
    assert 'No resources found in kube-public namespace.' in kube.kubectl('get', 'pods', '-n', 'kube-public').stderr


def test_kubectl_get_pdb_shows_allowed_disruptions_live(kube):
    for i in range(3):
        kube.call(kube.store.create, 'pods', pod('web-%d' % i, 'talos-worker-1', labels={'app': 'web'}))
    kube.call(kube.store.create, 'poddisruptionbudgets', pdb('web', {'app': 'web'}, min_available=2))
    kube.call(kube.store.create, 'poddisruptionbudgets', pdb('db', {'app': 'db'}, max_unavailable='50%'))
    rows = table(kube.kubectl('get', 'pdb').stdout)
    assert [(r['NAME'], r['MIN AVAILABLE'], r['MAX UNAVAILABLE'], r['ALLOWED DISRUPTIONS']) for r in rows] == [
        ('db', 'N/A', '50%', '0'), ('web', '2', 'N/A', '1')]
    kube.call(kube.store.delete, 'pods', 'default', 'web-0')
    assert table(kube.kubectl('get', 'pdb', 'web').stdout)[0]['ALLOWED DISRUPTIONS'] == '0'


def test_kubectl_cordon_and_uncordon(kube):
    kube.call(kube.store.create, 'nodes', node('talos-worker-1'))
    assert kube.kubectl('cordon', 'talos-worker-1').stdout.strip() == 'node/talos-worker-1 cordoned'
    assert kube.call(kube.store.get, 'nodes', None, 'talos-worker-1')['spec'] == {'unschedulable': True}
    assert table(kube.kubectl('get', 'node', 'talos-worker-1').stdout)[0]['STATUS'] == 'Ready,SchedulingDisabled'
    assert kube.kubectl('cordon', 'talos-worker-1').stdout.strip() == 'node/talos-worker-1 already cordoned'
    assert kube.kubectl('uncordon', 'talos-worker-1').stdout.strip() == 'node/talos-worker-1 uncordoned'
    assert kube.call(kube.store.get, 'nodes', None, 'talos-worker-1')['spec'] == {}


def test_kubectl_drain_waits_for_the_budget_then_evicts(kube):
    kube.call(kube.store.create, 'nodes', node('talos-worker-1'))
    kube.call(kube.store.create, 'nodes', node('talos-worker-2', address='10.5.0.4'))
    kube.call(kube.store.create, 'daemonsets', {
        'metadata': {'name': 'kube-flannel', 'namespace': 'kube-system', 'uid': 'ignored'},
        'spec': {'selector': {'matchLabels': {'k8s-app': 'flannel'}},
                 'template': {'metadata': {'labels': {'k8s-app': 'flannel'}},
                              'spec': {'containers': [{'name': 'kube-flannel', 'image': 'flannel:v0.27'}]}}}})
    daemonset = kube.call(kube.store.get, 'daemonsets', 'kube-system', 'kube-flannel')
    flannel = pod('kube-flannel-abcde', 'talos-worker-1', namespace='kube-system', labels={'k8s-app': 'flannel'},
                  owner=('DaemonSet', 'kube-flannel'))
    flannel['metadata']['ownerReferences'][0]['uid'] = daemonset['metadata']['uid']
    kube.call(kube.store.create, 'pods', flannel)
    for name, where in (('web-1', 'talos-worker-1'), ('web-2', 'talos-worker-2')):
        kube.call(kube.store.create, 'pods', pod(name, where, labels={'app': 'web'}, owner=('ReplicaSet', 'web-7d4')))
    kube.call(kube.store.create, 'poddisruptionbudgets', pdb('web', {'app': 'web'}, min_available=2))

    drain = subprocess.Popen(kube.kubectl_cmd('drain', 'talos-worker-1', '--ignore-daemonsets',
                                              '--delete-emptydir-data', '--timeout=60s'),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, HOME=kube.tmp))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and kube.call(kube.store.get, 'nodes', None,
                                                        'talos-worker-1')['spec'].get('unschedulable') is not True:
            time.sleep(0.2)
        time.sleep(6)  # long enough for the first eviction to be refused and one retry (kubectl waits 5 s)
        assert drain.poll() is None, drain.communicate()
        assert kube.call(kube.store.get, 'pods', 'default', 'web-1')  # still there
        kube.call(kube.store.create, 'pods', pod('web-3', 'talos-worker-2', labels={'app': 'web'},
                                                 owner=('ReplicaSet', 'web-7d4')))
        out, err = drain.communicate(timeout=40)
    finally:
        if drain.poll() is None:
            drain.kill()
    assert drain.returncode == 0, err
    assert 'node/talos-worker-1 cordoned' in out
    assert 'Warning: ignoring DaemonSet-managed Pods: kube-system/kube-flannel-abcde' in err
    assert ('error when evicting pods/"web-1" -n "default" (will retry after 5s): Cannot evict pod as it would '
            "violate the pod's disruption budget.") in err
    assert 'pod/web-1 evicted' in out
    assert out.strip().endswith('node/talos-worker-1 drained')
    pods, _rv = kube.call(kube.store.list, 'pods', None, '', 'spec.nodeName=talos-worker-1')
    assert [p['metadata']['name'] for p in pods] == ['kube-flannel-abcde']
    assert kube.call(kube.recorder.violations) == []


def test_kubectl_get_watch_prints_each_change_as_a_row(kube):
    kube.call(kube.store.create, 'nodes', node('talos-cp-1'))
    watching = subprocess.Popen(kube.kubectl_cmd('get', 'nodes', '--watch'), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ, HOME=kube.tmp))
    try:
        time.sleep(1.5)
        kube.call(kube.store.patch, 'nodes', None, 'talos-cp-1', {'spec': {'unschedulable': True}},
                  'application/merge-patch+json')
        kube.call(kube.store.create, 'nodes', node('talos-worker-1', ready=False))
        time.sleep(1.5)
    finally:
        watching.kill()
    out, err = watching.communicate()
    rows = [re.split(r'\s{2,}', line.strip()) for line in out.splitlines()[1:]]  # later rows widen their columns
    assert [(r[0], r[1]) for r in rows] == [
        ('talos-cp-1', 'Ready'), ('talos-cp-1', 'Ready,SchedulingDisabled'), ('talos-worker-1', 'NotReady')], err


def test_kubectl_forbidden_for_a_user_outside_system_masters(kube):
    alice = kube.kubeconfig_file('alice', ['developers'])
    proc = kube.kubectl('get', 'nodes', kubeconfig=alice, check=False)
    assert proc.returncode == 1
    assert ('Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API '
            'group "" at the cluster scope') in proc.stderr
    proc = kube.kubectl('get', 'pod', 'web', '-n', 'kube-system', kubeconfig=alice, check=False)
    assert ('pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace '
            '"kube-system"') in proc.stderr


def test_a_client_certificate_of_another_ca_fails_the_handshake(kube):
    other = pki.generate_ca('kubernetes', 'ecdsa')
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        kube.raw('GET', '/api/v1/nodes', cert=other)


# ---------------------------------------------------------------- the Python client

def test_python_client_crud_and_status_errors(kube):
    core = k8s.CoreV1Api(kube.client())
    body = {'metadata': {'name': 'web-1', 'labels': {'app': 'web'}},
            'spec': {'containers': [{'name': 'app', 'image': 'nginx:1.27'}]}}
    created = core.create_namespaced_pod('default', body)
    assert (created.metadata.namespace, created.status.phase, created.metadata.generation) == ('default', 'Pending', 1)
    assert created.metadata.uid and created.metadata.resource_version

    with pytest.raises(ApiException) as exists:
        core.create_namespaced_pod('default', body)
    assert exists.value.status == 409
    assert json.loads(exists.value.body)['message'] == 'pods "web-1" already exists'

    with pytest.raises(ApiException) as invalid:
        core.create_namespaced_pod('default', {'metadata': {'name': 'empty'}, 'spec': {'containers': []}})
    status = json.loads(invalid.value.body)
    assert (invalid.value.status, status['reason'], status['message']) == (
        422, 'Invalid', 'Pod "empty" is invalid: spec.containers: Required value')
    assert status['details']['causes'] == [{'reason': 'FieldValueRequired', 'message': 'Required value',
                                            'field': 'spec.containers'}]

    with pytest.raises(ApiException) as missing_namespace:
        core.create_namespaced_pod('nowhere', body)
    assert json.loads(missing_namespace.value.body)['message'] == 'namespaces "nowhere" not found'

    patched = core.patch_namespaced_pod('web-1', 'default', {'metadata': {'labels': {'tier': 'front'}}})
    assert patched.metadata.labels == {'app': 'web', 'tier': 'front'}
    patched = core.patch_namespaced_pod('web-1', 'default',
                                        [{'op': 'replace', 'path': '/metadata/labels/app', 'value': 'api'}])
    assert patched.metadata.labels == {'app': 'api', 'tier': 'front'}
    assert [p.metadata.name for p in core.list_namespaced_pod('default', label_selector='app=api').items] == ['web-1']
    assert core.list_namespaced_pod('default', label_selector='app in (web)').items == []

    stale = created
    stale.metadata.labels = {'stale': 'yes'}
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_pod('web-1', 'default', stale)
    assert conflict.value.status == 409
    assert json.loads(conflict.value.body)['message'] == (
        'Operation cannot be fulfilled on pods "web-1": the object has been modified; please apply your changes '
        'to the latest version and try again')

    core.delete_namespaced_pod('web-1', 'default')
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod('web-1', 'default')
    status = json.loads(gone.value.body)
    assert (gone.value.status, status['reason'], status['message'], status['details']) == (
        404, 'NotFound', 'pods "web-1" not found', {'name': 'web-1', 'kind': 'pods'})


def test_python_client_status_subresource_leaves_spec_and_main_resource_leaves_status(kube):
    core = k8s.CoreV1Api(kube.client())
    kube.call(kube.store.create, 'nodes', node('talos-worker-1'))
    core.patch_node_status('talos-worker-1', {'status': {'conditions': [{'type': 'Ready', 'status': 'False'}]},
                                              'spec': {'unschedulable': True}})
    stored = kube.call(kube.store.get, 'nodes', None, 'talos-worker-1')
    # a strategic merge patch: conditions merge by type, the reason the patch leaves out stays
    assert stored['spec'] == {} and stored['status']['conditions'] == [
        {'type': 'Ready', 'status': 'False', 'reason': 'KubeletReady'}]
    core.patch_node('talos-worker-1', {'spec': {'unschedulable': True}, 'status': {'conditions': []}})
    stored = kube.call(kube.store.get, 'nodes', None, 'talos-worker-1')
    assert stored['spec'] == {'unschedulable': True} and stored['status']['conditions'] != []


def test_python_client_apps_and_policy_groups(kube):
    apps = k8s.AppsV1Api(kube.client())
    policy = k8s.PolicyV1Api(kube.client())
    template = {'metadata': {'labels': {'app': 'web'}}, 'spec': {'containers': [{'name': 'app', 'image': 'nginx'}]}}
    deployment = apps.create_namespaced_deployment('default', {
        'metadata': {'name': 'web'},
        'spec': {'replicas': 2, 'selector': {'matchLabels': {'app': 'web'}}, 'template': template}})
    assert deployment.spec.replicas == 2 and deployment.metadata.generation == 1
    apps.patch_namespaced_deployment('web', 'default', {'spec': {'replicas': 3}})
    assert apps.read_namespaced_deployment('web', 'default').metadata.generation == 2
    status, _h, body = kube.raw('POST', '/apis/apps/v1/namespaces/default/daemonsets',
                                json.dumps({'metadata': {'name': 'x'}, 'spec': {'template': {}}}).encode())
    assert (status, json.loads(body)['message']) == (422,
                                                     'DaemonSet.apps "x" is invalid: spec.selector: Required value')
    policy.create_namespaced_pod_disruption_budget('default', pdb('web', {'app': 'web'}, min_available=1))
    budget = policy.read_namespaced_pod_disruption_budget('web', 'default')
    assert (budget.status.expected_pods, budget.status.disruptions_allowed, budget.status.observed_generation) == \
        (0, 0, 1)
    with pytest.raises(ApiException) as missing:
        policy.read_namespaced_pod_disruption_budget('db', 'default')
    assert json.loads(missing.value.body)['message'] == 'poddisruptionbudgets.policy "db" not found'


def test_python_client_eviction_refused_then_allowed(kube):
    core = k8s.CoreV1Api(kube.client())
    for i in range(2):
        kube.call(kube.store.create, 'pods', pod('web-%d' % i, 'talos-worker-1', labels={'app': 'web'}))
    kube.call(kube.store.create, 'poddisruptionbudgets', pdb('web', {'app': 'web'}, min_available=2))
    eviction = {'apiVersion': 'policy/v1', 'kind': 'Eviction',
                'metadata': {'name': 'web-0', 'namespace': 'default'}}
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod_eviction('web-0', 'default', eviction)
    status = json.loads(refused.value.body)
    assert (refused.value.status, status['reason'], status['message']) == (
        429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.")
    assert status['details']['causes'] == [{'reason': 'DisruptionBudget', 'message': 'The disruption budget web '
                                                                                     'needs 2 healthy pods and has 2 '
                                                                                     'currently'}]
    kube.call(kube.store.create, 'pods', pod('web-2', 'talos-worker-2', labels={'app': 'web'}))
    status, _headers, body = kube.raw('POST', '/api/v1/namespaces/default/pods/web-0/eviction',
                                      json.dumps(eviction).encode(), {'Content-Type': 'application/json'})
    assert (status, json.loads(body)) == (201, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {},
                                                'status': 'Success', 'code': 201})
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod('web-0', 'default')
    assert gone.value.status == 404


def test_python_client_watch_sees_changes_and_selector_exits(kube):
    core = k8s.CoreV1Api(kube.client())
    kube.call(kube.store.create, 'pods', pod('web-0', 'talos-worker-1', labels={'app': 'web'}))
    listed = core.list_namespaced_pod('default')
    events: list[tuple[str, str, Optional[dict]]] = []

    def changes() -> None:
        time.sleep(0.5)
        kube.call(kube.store.create, 'pods', pod('web-1', 'talos-worker-1', labels={'app': 'web'}))
        kube.call(kube.store.patch, 'pods', 'default', 'web-0', {'metadata': {'labels': {'x': '1'}}},
                  'application/merge-patch+json')
        kube.call(kube.store.patch, 'pods', 'default', 'web-1', {'metadata': {'labels': {'app': 'db'}}},
                  'application/merge-patch+json')
        kube.call(kube.store.delete, 'pods', 'default', 'web-0')

    writer = threading.Thread(target=changes)
    writer.start()
    stream = k8s_watch.Watch()
    for event in stream.stream(core.list_namespaced_pod, 'default', label_selector='app=web',
                               resource_version=listed.metadata.resource_version, timeout_seconds=5):
        events.append((event['type'], event['object'].metadata.name, event['object'].metadata.labels))
        if len(events) == 4:
            stream.stop()
    writer.join()
    assert events == [('ADDED', 'web-1', {'app': 'web'}), ('MODIFIED', 'web-0', {'app': 'web', 'x': '1'}),
                      ('DELETED', 'web-1', {'app': 'web'}),  # left the selector: its last matching state
                      ('DELETED', 'web-0', {'app': 'web', 'x': '1'})]


def test_watch_without_resource_version_starts_with_the_current_objects_and_ends_at_timeout(kube):
    kube.call(kube.store.create, 'nodes', node('talos-cp-1'))
    started = time.monotonic()
    status, headers, body = kube.raw('GET', '/api/v1/nodes?watch=true&timeoutSeconds=1')
    assert time.monotonic() - started >= 0.9
    assert (status, headers['Content-Type'], headers.get('Transfer-Encoding')) == (200, 'application/json', 'chunked')
    events = [json.loads(line) for line in body.splitlines()]
    assert [(e['type'], e['object']['metadata']['name']) for e in events] == [('ADDED', 'talos-cp-1')]


def test_watch_from_a_compacted_resource_version_is_an_expired_error_event():
    with KubeApi(history=2) as kube:
        for i in range(4):
            kube.call(kube.store.create, 'nodes', node('n-%d' % i))
        status, _headers, body = kube.raw('GET', '/api/v1/nodes?watch=1&resourceVersion=2')
    event = json.loads(body)
    assert (status, event['type'], event['object']['code'], event['object']['reason']) == (200, 'ERROR', 410,
                                                                                           'Expired')
    assert event['object']['message'].startswith('too old resource version: 2 (')


# ---------------------------------------------------------------- authentication, availability, routes

def test_no_client_certificate_is_unauthorized(kube):
    status, headers, body = kube.raw('GET', '/api/v1/nodes', cert=False)
    assert (status, headers['Content-Type'], json.loads(body)) == (401, 'application/json', {
        'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure', 'message': 'Unauthorized',
        'reason': 'Unauthorized', 'code': 401})
    assert kube.raw('GET', '/healthz', cert=False)[0] == 401  # Talos: --anonymous-auth=false


def test_unavailable_server_answers_503(kube):
    core = k8s.CoreV1Api(kube.client())
    kube.call(kube.server.set_available, False)
    with pytest.raises(ApiException) as unavailable:
        core.list_node()
    assert unavailable.value.status == 503
    assert json.loads(unavailable.value.body)['reason'] == 'ServiceUnavailable'
    kube.call(kube.server.set_available, True)
    assert core.list_node().items == []


def test_version_health_discovery_and_unknown_paths(kube):
    status, _h, body = kube.raw('GET', '/version')
    assert (status, json.loads(body)['gitVersion']) == (200, 'v1.34.0')
    assert kube.raw('GET', '/readyz')[::2] == (200, b'ok')
    preferred = json.loads(kube.raw('GET', '/apis/policy')[2])['preferredVersion']
    assert preferred == {'groupVersion': 'policy/v1', 'version': 'v1'}
    resources = {r['name']: r for r in json.loads(kube.raw('GET', '/api/v1')[2])['resources']}
    assert resources['pods/eviction'] == {'name': 'pods/eviction', 'singularName': '', 'namespaced': True,
                                          'kind': 'Eviction', 'verbs': ['create'], 'group': 'policy', 'version': 'v1'}
    assert (resources['nodes']['shortNames'], resources['pods']['categories']) == (['no'], ['all'])
    status, _h, body = kube.raw('GET', '/apis/batch/v1/jobs')
    assert (status, json.loads(body)) == (404, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {},
                                                'status': 'Failure', 'message': PAGE_NOT_FOUND,
                                                'reason': 'NotFound', 'details': {}, 'code': 404})
    kube.call(kube.store.create, 'nodes', node('talos-cp-1'))
    status, _h, body = kube.raw('PATCH', '/api/v1/nodes/talos-cp-1', b'spec: {}', {'Content-Type': 'application/yaml'})
    assert (status, json.loads(body)['reason']) == (415, 'UnsupportedMediaType')


PAGE_NOT_FOUND = 'the server could not find the requested resource'
