# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side apply on talos-sim's Kubernetes API, driven by the real kubectl (``apply --server-side``) and the
official Python client's dynamic ``server_side_apply``, over HTTPS (simulator.kube.server_side_apply).

kubectl runs with ``--validate=false``: talos-sim serves no OpenAPI document to validate against.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.kube_api import KUBECTL, KubeApi

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason='kubectl is not installed')
APPLY = 'application/apply-patch+yaml'
PATH = '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy'


@pytest.fixture
def kube():
    with KubeApi() as api:
        yield api


def kube_proxy(image: str, **extra_labels: str) -> dict:
    labels = {'k8s-app': 'kube-proxy'}
    return {'apiVersion': 'apps/v1', 'kind': 'DaemonSet',
            'metadata': {'name': 'kube-proxy', 'namespace': 'kube-system', 'labels': dict(labels, **extra_labels)},
            'spec': {'selector': {'matchLabels': labels},
                     'template': {'metadata': {'labels': labels},
                                  'spec': {'containers': [{'name': 'kube-proxy', 'image': image}]}}}}


def apply(kube: KubeApi, obj: dict, *flags: str, check: bool = True):
    path = os.path.join(kube.tmp, 'applied.yaml')
    with open(path, 'w') as f:
        yaml.safe_dump(obj, f)
    return kube.kubectl('apply', '--server-side', '--validate=false', '-f', path, *flags, check=check)


def image(obj: dict) -> str:
    return obj['spec']['template']['spec']['containers'][0]['image']


def managers(obj: dict) -> dict[str, dict]:
    return {e['manager']: e for e in obj['metadata']['managedFields']}


def test_kubectl_apply_creates_then_changes_only_what_differs(kube):
    proc = apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), '--field-manager=talos')
    assert proc.stdout.strip() == 'daemonset.apps/kube-proxy serverside-applied'
    created = kube.get('daemonsets', 'kube-system', 'kube-proxy')
    entry = managers(created)['talos']
    assert (entry['operation'], entry['apiVersion'], entry['fieldsType']) == ('Apply', 'apps/v1', 'FieldsV1')
    container = entry['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"kube-proxy"}']
    assert container == {'.': {}, 'f:image': {}, 'f:name': {}}
    assert created['metadata']['generation'] == 1

    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), '--field-manager=talos')
    assert kube.get('daemonsets', 'kube-system', 'kube-proxy')['metadata']['resourceVersion'] == \
        created['metadata']['resourceVersion']  # nothing changed, nothing written

    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'), '--field-manager=talos')
    changed = kube.get('daemonsets', 'kube-system', 'kube-proxy')
    assert (image(changed), changed['metadata']['generation']) == ('registry.k8s.io/kube-proxy:v1.36.0', 2)
    assert int(changed['metadata']['resourceVersion']) > int(created['metadata']['resourceVersion'])


def test_a_field_the_manager_stops_applying_is_removed(kube):
    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0', tier='node'), '--field-manager=talos')
    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), '--field-manager=talos')
    assert kube.get('daemonsets', 'kube-system', 'kube-proxy')['metadata']['labels'] == {'k8s-app': 'kube-proxy'}


def test_conflict_with_another_applier_then_forced(kube):
    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), '--field-manager=talos')
    proc = apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'), '--field-manager=ops', check=False)
    assert proc.returncode == 1
    assert ('Apply failed with 1 conflict: conflict with "talos": '
            '.spec.template.spec.containers[name="kube-proxy"].image') in proc.stderr
    assert image(kube.get('daemonsets', 'kube-system', 'kube-proxy')) == 'registry.k8s.io/kube-proxy:v1.35.0'

    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'), '--field-manager=ops', '--force-conflicts')
    forced = kube.get('daemonsets', 'kube-system', 'kube-proxy')
    assert image(forced) == 'registry.k8s.io/kube-proxy:v1.36.0'
    owners = managers(forced)
    talos_container = owners['talos']['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers']
    assert talos_container['k:{"name":"kube-proxy"}'] == {'.': {}, 'f:name': {}}  # the image changed hands
    assert 'f:image' in owners['ops']['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers'][
        'k:{"name":"kube-proxy"}']


def test_server_dry_run_returns_the_result_and_stores_nothing(kube):
    apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), '--field-manager=talos')
    before = kube.get('daemonsets', 'kube-system', 'kube-proxy')
    proc = apply(kube, kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'), '--field-manager=talos',
                 '--dry-run=server', '-o', 'json')
    assert image(json.loads(proc.stdout)) == 'registry.k8s.io/kube-proxy:v1.36.0'
    assert kube.get('daemonsets', 'kube-system', 'kube-proxy') == before
    obj = dict(kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'), metadata={'name': 'other', 'namespace': 'default'})
    apply(kube, obj, '--field-manager=talos', '--dry-run=server')
    assert kube.names('daemonsets') == ['kube-system/kube-proxy']


def test_patch_options_are_validated_as_the_apiserver_does(kube):
    body = json.dumps(kube_proxy('registry.k8s.io/kube-proxy:v1.35.0')).encode()
    status, _h, answer = kube.raw('PATCH', PATH, body, {'Content-Type': APPLY})
    assert (status, json.loads(answer)['message']) == (
        422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    status, _h, answer = kube.raw('PATCH', PATH + '?fieldManager=talos&force=true', b'{}',
                                  {'Content-Type': 'application/merge-patch+json'})
    assert (status, json.loads(answer)['message']) == (
        422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch')
    status, _h, answer = kube.raw('PATCH', PATH + '?fieldManager=talos&dryRun=Some', body, {'Content-Type': APPLY})
    assert (status, json.loads(answer)['message']) == (
        422, 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Some": supported values: "All"')
    status, _h, _a = kube.raw('PATCH', PATH + '?fieldManager=talos', body, {'Content-Type': APPLY})
    assert status == 201


def test_python_client_dynamic_server_side_apply(kube):
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import ConflictError

    client = DynamicClient(kube.client())
    daemonsets = client.resources.get(api_version='apps/v1', kind='DaemonSet')
    created = daemonsets.server_side_apply(body=kube_proxy('registry.k8s.io/kube-proxy:v1.35.0'),
                                           namespace='kube-system', field_manager='talos')
    assert created.metadata.managedFields[0].manager == 'talos'
    with pytest.raises(ConflictError) as err:
        daemonsets.server_side_apply(body=kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'), namespace='kube-system',
                                     field_manager='ops')
    status = json.loads(err.value.body)
    assert status['details']['causes'] == [{'reason': 'FieldManagerConflict', 'message': 'conflict with "talos"',
                                            'field': '.spec.template.spec.containers[name="kube-proxy"].image'}]
    forced = daemonsets.server_side_apply(body=kube_proxy('registry.k8s.io/kube-proxy:v1.36.0'),
                                          namespace='kube-system', field_manager='ops', force_conflicts=True)
    assert forced.spec.template.spec.containers[0].image == 'registry.k8s.io/kube-proxy:v1.36.0'
