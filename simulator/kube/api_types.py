# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What talos-sim's Kubernetes API serves: groups, versions, resources, kinds, short names and verbs.

The names, short names, categories and verbs are those kube-apiserver v1.34.0 publishes in discovery
(each resource's REST storage: ``pkg/registry/core/pod/storage/storage.go:ShortNames, Categories``,
``pkg/registry/apps/daemonset/storage/storage.go`` ...; verbs from
``staging/src/k8s.io/apiserver/pkg/endpoints/installer.go:registerResourceHandlers``, which lists what the
storage implements). Field labels per resource are what each registry's ``GetAttrs``/field conversion accepts
(``pkg/apis/core/v1/conversion.go:AddFieldLabelConversionsForPod`` and ``...ForNode`` @ v1.34.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

Obj = dict[str, Any]  # a Kubernetes object, as its JSON decodes

ALL_VERBS = ('create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch')
NAMESPACE_VERBS = ('create', 'delete', 'get', 'list', 'patch', 'update', 'watch')  # no deletecollection
STATUS_VERBS = ('get', 'patch', 'update')
OBJECT_FIELDS = ('metadata.name', 'metadata.namespace')


@dataclass(frozen=True)
class Resource:
    """One served resource (``name`` is the plural, as in URLs and the store)."""

    name: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    status: bool = True  # has a status subresource (PUT/PATCH of the main resource leave status alone)
    generation: bool = True  # the strategy sets metadata.generation and bumps it on spec changes
    field_labels: tuple[str, ...] = OBJECT_FIELDS

    @property
    def group_version(self) -> str:
        return '%s/%s' % (self.group, self.version) if self.group else self.version

    @property
    def qualified(self) -> str:
        """schema.GroupResource's String(): ``pods``, ``deployments.apps``."""
        return '%s.%s' % (self.name, self.group) if self.group else self.name


@dataclass(frozen=True)
class Subresource:
    """A subresource as discovery lists it under its parent (``pods/eviction`` is policy/v1 Eviction)."""

    parent: str
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: Optional[str] = None  # set when the subresource's kind lives in another group/version
    version: Optional[str] = None


RESOURCES: dict[str, Resource] = {r.name: r for r in (
    Resource('namespaces', 'namespace', 'Namespace', '', 'v1', False, ('ns',), verbs=NAMESPACE_VERBS,
             generation=False),
    Resource('nodes', 'node', 'Node', '', 'v1', False, ('no',), generation=False,
             field_labels=('metadata.name', 'spec.unschedulable')),
    Resource('configmaps', 'configmap', 'ConfigMap', '', 'v1', True, ('cm',), status=False, generation=False),
    Resource('pods', 'pod', 'Pod', '', 'v1', True, ('po',), ('all',),
             field_labels=OBJECT_FIELDS + ('spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
                                           'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase',
                                           'status.podIP', 'status.nominatedNodeName')),
    Resource('daemonsets', 'daemonset', 'DaemonSet', 'apps', 'v1', True, ('ds',), ('all',)),
    Resource('deployments', 'deployment', 'Deployment', 'apps', 'v1', True, ('deploy',), ('all',)),
    Resource('replicasets', 'replicaset', 'ReplicaSet', 'apps', 'v1', True, ('rs',), ('all',)),
    Resource('poddisruptionbudgets', 'poddisruptionbudget', 'PodDisruptionBudget', 'policy', 'v1', True,
             ('pdb',)),
)}

SUBRESOURCES: tuple[Subresource, ...] = tuple(
    [Subresource(r.name, 'status', r.kind, STATUS_VERBS) for r in RESOURCES.values() if r.status]
    + [Subresource('pods', 'eviction', 'Eviction', ('create',), 'policy', 'v1')])


def resource(name: str) -> Resource:
    """The served resource of that plural; KeyError for anything else (a programming error in the caller)."""
    return RESOURCES[name]


def find(group: str, version: str, name: str) -> Optional[Resource]:
    found = RESOURCES.get(name)
    return found if found and found.group == group and found.version == version else None


def group_versions() -> dict[str, list[str]]:
    """group -> versions, core group as ''; in the order discovery lists them (core first)."""
    groups: dict[str, list[str]] = {}
    for res in RESOURCES.values():
        versions = groups.setdefault(res.group, [])
        if res.version not in versions:
            versions.append(res.version)
    return groups


def _discovery_entry(res: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {'name': res.name, 'singularName': res.singular, 'namespaced': res.namespaced,
                             'kind': res.kind, 'verbs': list(res.verbs)}
    if res.short_names:
        entry['shortNames'] = list(res.short_names)
    if res.categories:
        entry['categories'] = list(res.categories)
    return entry


def _subresource_entry(sub: Subresource) -> dict[str, Any]:
    parent = RESOURCES[sub.parent]
    entry: dict[str, Any] = {'name': '%s/%s' % (sub.parent, sub.name), 'singularName': '',
                             'namespaced': parent.namespaced, 'kind': sub.kind, 'verbs': list(sub.verbs)}
    if sub.group is not None:
        entry['group'], entry['version'] = sub.group, sub.version
    return entry


def resource_list(group: str, version: str) -> Optional[dict[str, Any]]:
    """The APIResourceList of ``/api/v1`` or ``/apis/<group>/<version>``; None when not served."""
    served = [r for r in RESOURCES.values() if r.group == group and r.version == version]
    if not served:
        return None
    entries = []
    for res in served:
        entries.append(_discovery_entry(res))
        entries += [_subresource_entry(s) for s in SUBRESOURCES if s.parent == res.name]
    return {'kind': 'APIResourceList', 'apiVersion': 'v1',
            'groupVersion': '%s/%s' % (group, version) if group else version, 'resources': entries}


def api_group(group: str) -> Optional[dict[str, Any]]:
    """The APIGroup of ``/apis/<group>`` (APIGroupList entries carry no kind/apiVersion)."""
    versions = group_versions().get(group)
    if not group or not versions:
        return None
    listed = [{'groupVersion': '%s/%s' % (group, v), 'version': v} for v in versions]
    return {'name': group, 'versions': listed, 'preferredVersion': listed[0]}


def api_group_list() -> dict[str, Any]:
    groups = [api_group(g) for g in group_versions() if g]
    return {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': groups}


def api_versions(server_address: str) -> dict[str, Any]:
    """``/api``: the legacy core group's versions."""
    return {'kind': 'APIVersions', 'versions': group_versions()[''],
            'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0', 'serverAddress': server_address}]}
