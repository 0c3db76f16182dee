# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure rules of the bootstrap manifest sync: inventory keys (cli-utils' form), staging order, the action
told from a dry run, pruning and ownership."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_drift import decide
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_order import apply_order
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifest_refs import (ObjRef, other_owner,
                                                                                            parse_key, prune_refs,
                                                                                            ref_of)
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.manifests import owned, require_ssa_sync


def obj(api_version: str, kind: str, name: str, namespace: str = '', **fields) -> dict:
    metadata = {'name': name}
    if namespace:
        metadata['namespace'] = namespace
    return dict({'apiVersion': api_version, 'kind': kind, 'metadata': metadata}, **fields)


@pytest.mark.parametrize('ref, key', [
    (ObjRef('kube-system', 'coredns', 'apps', 'Deployment'), 'kube-system_coredns_apps_Deployment'),
    (ObjRef('', 'kube-system', '', 'Namespace'), '_kube-system__Namespace'),
    (ObjRef('kube-system', 'coredns', '', 'ConfigMap'), 'kube-system_coredns__ConfigMap'),
    # cli-utils writes an RBAC name's colon as a double underscore
    (ObjRef('', 'system:coredns', 'rbac.authorization.k8s.io', 'ClusterRole'),
     '_system__coredns_rbac.authorization.k8s.io_ClusterRole'),
])
def test_inventory_key_round_trip(ref, key):
    assert ref.key() == key
    assert parse_key(key) == ref


def test_a_key_naming_no_object_fails_naming_it():
    with pytest.raises(TalosError, match='holds a key that names no object'):
        parse_key('just-a-name')


def test_ref_of_reads_group_from_api_version():
    assert ref_of(obj('apps/v1', 'DaemonSet', 'kube-proxy', 'kube-system')) == ObjRef(
        'kube-system', 'kube-proxy', 'apps', 'DaemonSet')
    assert ref_of(obj('v1', 'Namespace', 'kube-system')) == ObjRef('', 'kube-system', '', 'Namespace')


def test_stages_then_reconcile_order():
    objects = [
        obj('apps/v1', 'DaemonSet', 'kube-flannel', 'kube-system'),
        obj('apps/v1', 'Deployment', 'coredns', 'kube-system'),
        obj('v1', 'Service', 'kube-dns', 'kube-system'),
        obj('v1', 'ConfigMap', 'coredns', 'kube-system'),
        obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'flannel'),
        obj('v1', 'ServiceAccount', 'coredns', 'kube-system'),
        obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'flannel'),
        obj('storage.k8s.io/v1', 'StorageClass', 'local'),
        obj('v1', 'Secret', 'a', 'kube-system'),
        obj('v1', 'Namespace', 'kube-flannel'),
        obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
    ]
    assert [(o['kind'], o['metadata']['name']) for o in apply_order(objects)] == [
        # cluster definitions first, CRDs before Namespaces before ClusterRoles
        ('CustomResourceDefinition', 'widgets.example.com'), ('Namespace', 'kube-flannel'), ('ClusterRole', 'flannel'),
        ('StorageClass', 'local'),  # class definitions
        ('ConfigMap', 'coredns'), ('Secret', 'a'),  # upgrade-k8s's custom stage
        # the rest in fluxcd's reconcile order; DaemonSet is not listed there, so after the listed kinds
        ('ClusterRoleBinding', 'flannel'), ('ServiceAccount', 'coredns'), ('Service', 'kube-dns'),
        ('Deployment', 'coredns'), ('DaemonSet', 'kube-flannel'),
    ]


LIVE = {'apiVersion': 'apps/v1', 'kind': 'Deployment',
        'metadata': {'name': 'coredns', 'resourceVersion': '7', 'labels': {'k8s-app': 'kube-dns'},
                     'annotations': {'config.k8s.io/owning-inventory': 'talos-bootstrap-manifests-inventory'},
                     'managedFields': [{'manager': 'talos'}]},
        'spec': {'replicas': 2}, 'status': {'readyReplicas': 2}}


def with_changes(base: dict, **changes) -> dict:
    copied = {key: (dict(value) if isinstance(value, dict) else value) for key, value in base.items()}
    for path, value in changes.items():
        section, field = path.split('__')
        copied[section] = dict(copied[section], **{field: value})
    return copied


def test_action_from_the_dry_run():
    assert decide(None, dict(LIVE, metadata={'name': 'coredns'})) == 'created'
    assert decide(LIVE, with_changes(LIVE, metadata__resourceVersion='')) == 'created'
    # metadata bookkeeping and status are no drift
    assert decide(LIVE, with_changes(LIVE, metadata__managedFields=[], status__readyReplicas=0)) == 'unchanged'
    assert decide(LIVE, with_changes(LIVE, spec__replicas=3)) == 'configured'
    assert decide(LIVE, with_changes(LIVE, metadata__labels={})) == 'configured'
    # an object Talos created before the inventory existed: adopting it adds the annotation
    unowned = with_changes(LIVE, metadata__annotations={})
    assert decide(unowned, LIVE) == 'configured'


def test_prune_what_the_inventory_lists_and_is_no_longer_rendered():
    coredns = ObjRef('kube-system', 'coredns', 'apps', 'Deployment')
    proxy = ObjRef('kube-system', 'kube-proxy', 'apps', 'DaemonSet')
    namespace = ObjRef('', 'kube-flannel', '', 'Namespace')
    # a cluster-scoped reference matches a rendered object that names a namespace anyway
    rendered = [proxy, ObjRef('stray', 'kube-flannel', '', 'Namespace')]
    assert prune_refs([coredns, proxy, namespace], rendered) == [coredns]


def test_ownership_policy_adopt_if_no_inventory():
    assert other_owner(None) is None
    assert other_owner({'metadata': {}}) is None
    assert other_owner(LIVE) is None
    assert other_owner({'metadata': {'annotations': {'config.k8s.io/owning-inventory': 'flux'}}}) == 'flux'


def test_owned_copies_carry_the_inventory_and_leave_the_rendered_object_alone():
    rendered = obj('v1', 'ConfigMap', 'coredns', 'kube-system')
    copy = owned(rendered)
    assert copy['metadata']['annotations'] == {'config.k8s.io/owning-inventory': 'talos-bootstrap-manifests-inventory'}
    assert 'annotations' not in rendered['metadata']
    with pytest.raises(TalosError, match='names another inventory, flux'):
        owned(dict(rendered, metadata={'name': 'x', 'annotations': {'config.k8s.io/owning-inventory': 'flux'}}))


def test_server_side_apply_sync_needs_talos_1_13():
    require_ssa_sync({'10.5.0.2': 'v1.13.9', '10.5.0.3': 'v1.14.0-rc.1'})
    with pytest.raises(TalosError, match='Talos v1.12.4 syncs') as raised:
        require_ssa_sync({'10.5.0.2': 'v1.13.9', '10.5.0.3': 'v1.12.4'})
    assert raised.value.node == '10.5.0.3'
