# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side printing: the meta.k8s.io/v1 Table that ``kubectl get`` asks for and prints as is.

Columns and cells as kube-apiserver v1.34.0 prints them (``pkg/printers/internalversion/printers.go``:
AddHandlers' column definitions, printNode, printPod, printNamespace, printDaemonSet, printDeployment,
printReplicaSet, printPodDisruptionBudget, printConfigMap; ``translateTimestampSince``), ages as
``staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go:HumanDuration`` words them, the Table and its
``includeObject`` handling as ``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go:asTable``
does. Every served resource has a printer, so the generic NAME/CREATED AT table is never needed.

The pod printer follows regular containers only: talos-sim's pods have no init or sidecar containers.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Optional

from simulator.kube.api_types import Obj

NAME_DOC = ('Name must be unique within a namespace. Is required when creating resources, although some resources '
            'may allow a client to request the generation of an appropriate name automatically. Name is primarily '
            'intended for creation idempotence and configuration definition. Cannot be updated. More info: '
            'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names')
AGE_DOC = ('CreationTimestamp is a timestamp representing the server time when this object was created. It is not '
           'guaranteed to be set in happens-before order across separate operations. Clients may not set this '
           'value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for '
           'lists. More info: '
           'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata')
CONFIGMAP_DATA_DOC = ("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', "
                      "'_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored "
                      "in Data must not overlap with the keys in the BinaryData field, this is enforced during "
                      "validation process.")
TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
NODE_ROLE_PREFIX = 'node-role.kubernetes.io/'
NODE_ROLE_LABEL = 'kubernetes.io/role'


def _column(name: str, kind: str = 'string', description: str = '', priority: int = 0,
            fmt: str = '') -> dict[str, Any]:
    return {'name': name, 'type': kind, 'format': fmt, 'description': description, 'priority': priority}


NAME = _column('Name', description=NAME_DOC, fmt='name')
AGE = _column('Age', description=AGE_DOC)
TEMPLATE_WIDE = [_column('Containers', priority=1, description='Names of each container in the template.'),
                 _column('Images', priority=1, description='Images referenced by each container in the template.'),
                 _column('Selector', priority=1, description='Label selector for pods.')]


def human_duration(seconds: float) -> str:
    """duration.HumanDuration: coarser the older, two units at most."""
    whole = int(seconds)
    if whole < -1:
        return '<invalid>'
    if whole < 0:
        return '0s'
    if whole < 120:
        return '%ds' % whole
    minutes = whole // 60
    if minutes < 10:
        return '%dm%ds' % (minutes, whole % 60) if whole % 60 else '%dm' % minutes
    if minutes < 180:
        return '%dm' % minutes
    hours = whole // 3600
    if hours < 8:
        return '%dh%dm' % (hours, minutes % 60) if minutes % 60 else '%dh' % hours
    if hours < 48:
        return '%dh' % hours
    if hours < 24 * 8:
        return '%dd%dh' % (hours // 24, hours % 24) if hours % 24 else '%dd' % (hours // 24)
    if hours < 24 * 365 * 2:
        return '%dd' % (hours // 24)
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return '%dy%dd' % (hours // 24 // 365, days) if days else '%dy' % (hours // 24 // 365)
    return '%dy' % (hours // 24 // 365)


def age(timestamp: Optional[str], now: datetime.datetime) -> str:
    """translateTimestampSince: ``<unknown>`` without a timestamp."""
    if not timestamp:
        return '<unknown>'
    then = datetime.datetime.strptime(timestamp, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    return human_duration((now - then).total_seconds())


def format_label_selector(selector: Optional[dict[str, Any]]) -> str:
    """metav1.FormatLabelSelector: requirements sorted by key, ``<none>`` when empty."""
    reqs = [(k, '%s=%s' % (k, v)) for k, v in ((selector or {}).get('matchLabels') or {}).items()]
    for expr in (selector or {}).get('matchExpressions') or []:
        key, op, values = expr['key'], expr['operator'], ','.join(sorted(expr.get('values') or []))
        reqs.append((key, {'In': '%s in (%s)' % (key, values), 'NotIn': '%s notin (%s)' % (key, values),
                           'Exists': key, 'DoesNotExist': '!' + key}.get(op, '<error>')))
    return ','.join(text for _key, text in sorted(reqs)) or '<none>'


def _format_labels(labels: Optional[dict[str, str]]) -> str:
    return ','.join('%s=%s' % (k, v) for k, v in sorted((labels or {}).items())) or '<none>'


def _template_cells(obj: Obj) -> list[Any]:
    containers = (((obj.get('spec') or {}).get('template') or {}).get('spec') or {}).get('containers') or []
    return [','.join(c.get('name', '') for c in containers), ','.join(c.get('image', '') for c in containers),
            format_label_selector((obj.get('spec') or {}).get('selector'))]


# ---------------------------------------------------------------- printers

def _node_cells(node: Obj, now: datetime.datetime) -> list[Any]:
    status, spec, labels = node.get('status') or {}, node.get('spec') or {}, node['metadata'].get('labels') or {}
    ready = next((c for c in status.get('conditions') or [] if c.get('type') == 'Ready'), None)
    states = ['Unknown' if ready is None else 'Ready' if ready.get('status') == 'True' else 'NotReady']
    if spec.get('unschedulable'):
        states.append('SchedulingDisabled')
    roles = {k[len(NODE_ROLE_PREFIX):] for k in labels if k.startswith(NODE_ROLE_PREFIX) and k != NODE_ROLE_PREFIX}
    if labels.get(NODE_ROLE_LABEL):
        roles.add(labels[NODE_ROLE_LABEL])
    info = status.get('nodeInfo') or {}

    def address(kind: str) -> str:
        return next((a['address'] for a in status.get('addresses') or [] if a.get('type') == kind), '<none>')

    return [node['metadata']['name'], ','.join(states), ','.join(sorted(roles)) or '<none>',
            age(node['metadata'].get('creationTimestamp'), now), info.get('kubeletVersion', ''),
            address('InternalIP'), address('ExternalIP'), info.get('osImage') or '<unknown>',
            info.get('kernelVersion') or '<unknown>', info.get('containerRuntimeVersion') or '<unknown>']


def _pod_cells(pod: Obj, now: datetime.datetime) -> list[Any]:
    spec, status, meta = pod.get('spec') or {}, pod.get('status') or {}, pod['metadata']
    reason = status.get('reason') or status.get('phase', '')
    if any(c.get('type') == 'PodScheduled' and c.get('reason') == 'SchedulingGated'
           for c in status.get('conditions') or []):
        reason = 'SchedulingGated'
    restarts, ready, running = 0, 0, False
    last_restart: Optional[str] = None
    for container in reversed(status.get('containerStatuses') or []):
        restarts += container.get('restartCount', 0)
        finished = ((container.get('lastState') or {}).get('terminated') or {}).get('finishedAt')
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished
        state = container.get('state') or {}
        waiting, terminated = state.get('waiting'), state.get('terminated')
        if waiting and waiting.get('reason'):
            reason = waiting['reason']
        elif terminated and terminated.get('reason'):
            reason = terminated['reason']
        elif terminated:
            reason = ('Signal:%d' % terminated['signal'] if terminated.get('signal')
                      else 'ExitCode:%d' % terminated.get('exitCode', 0))
        elif container.get('ready') and state.get('running') is not None:
            running = True
            ready += 1
    if reason == 'Completed' and running:
        reason = 'Running' if any(c.get('type') == 'Ready' and c.get('status') == 'True'
                                  for c in status.get('conditions') or []) else 'NotReady'
    if meta.get('deletionTimestamp') and status.get('reason') == 'NodeLost':
        reason = 'Unknown'
    elif meta.get('deletionTimestamp') and status.get('phase') not in ('Succeeded', 'Failed'):
        reason = 'Terminating'
    restarts_cell = str(restarts)
    if restarts and last_restart:
        restarts_cell = '%d (%s ago)' % (restarts, age(last_restart, now))
    gates = spec.get('readinessGates') or []
    true_conditions = {c.get('type') for c in status.get('conditions') or [] if c.get('status') == 'True'}
    gates_cell = ('%d/%d' % (sum(1 for g in gates if g.get('conditionType') in true_conditions), len(gates))
                  if gates else '<none>')
    pod_ips = status.get('podIPs') or []
    return [meta['name'], '%d/%d' % (ready, len(spec.get('containers') or [])), reason, restarts_cell,
            age(meta.get('creationTimestamp'), now), (pod_ips[0].get('ip') if pod_ips else '') or '<none>',
            spec.get('nodeName') or '<none>', status.get('nominatedNodeName') or '<none>', gates_cell]


def _pod_conditions(pod: Obj) -> Optional[list[dict[str, Any]]]:
    """Rows of finished pods carry a Completed condition (printers.go podSuccessConditions/podFailedConditions)."""
    phase = (pod.get('status') or {}).get('phase')
    if phase == 'Succeeded':
        return [{'type': 'Completed', 'status': 'True', 'reason': 'Succeeded', 'message': 'The pod has completed '
                 'successfully.'}]
    if phase == 'Failed':
        return [{'type': 'Completed', 'status': 'True', 'reason': 'Failed', 'message': 'The pod failed.'}]
    return None


def _namespace_cells(ns: Obj, now: datetime.datetime) -> list[Any]:
    return [ns['metadata']['name'], (ns.get('status') or {}).get('phase', ''),
            age(ns['metadata'].get('creationTimestamp'), now)]


def _daemonset_cells(ds: Obj, now: datetime.datetime) -> list[Any]:
    status = ds.get('status') or {}
    node_selector = (((ds.get('spec') or {}).get('template') or {}).get('spec') or {}).get('nodeSelector')
    return [ds['metadata']['name'], status.get('desiredNumberScheduled', 0), status.get('currentNumberScheduled', 0),
            status.get('numberReady', 0), status.get('updatedNumberScheduled', 0), status.get('numberAvailable', 0),
            _format_labels(node_selector), age(ds['metadata'].get('creationTimestamp'), now)] + _template_cells(ds)


def _deployment_cells(dep: Obj, now: datetime.datetime) -> list[Any]:
    status = dep.get('status') or {}
    return [dep['metadata']['name'],
            '%d/%d' % (status.get('readyReplicas', 0), (dep.get('spec') or {}).get('replicas', 0)),
            status.get('updatedReplicas', 0), status.get('availableReplicas', 0),
            age(dep['metadata'].get('creationTimestamp'), now)] + _template_cells(dep)


def _replicaset_cells(rs: Obj, now: datetime.datetime) -> list[Any]:
    status = rs.get('status') or {}
    return [rs['metadata']['name'], (rs.get('spec') or {}).get('replicas', 0), status.get('replicas', 0),
            status.get('readyReplicas', 0), age(rs['metadata'].get('creationTimestamp'), now)] + _template_cells(rs)


def _pdb_cells(pdb: Obj, now: datetime.datetime) -> list[Any]:
    spec = pdb.get('spec') or {}
    return [pdb['metadata']['name'],
            'N/A' if spec.get('minAvailable') is None else str(spec['minAvailable']),
            'N/A' if spec.get('maxUnavailable') is None else str(spec['maxUnavailable']),
            (pdb.get('status') or {}).get('disruptionsAllowed', 0), age(pdb['metadata'].get('creationTimestamp'), now)]


def _configmap_cells(cm: Obj, now: datetime.datetime) -> list[Any]:
    return [cm['metadata']['name'], len(cm.get('data') or {}) + len(cm.get('binaryData') or {}),
            age(cm['metadata'].get('creationTimestamp'), now)]


Printer = Callable[[Obj, datetime.datetime], list[Any]]

PRINTERS: dict[str, tuple[list[dict[str, Any]], Printer]] = {
    'nodes': ([NAME, _column('Status', description='The status of the node'),
               _column('Roles', description='The roles of the node'), AGE,
               _column('Version', description='Kubelet Version reported by the node.'),
               _column('Internal-IP', priority=1, description='List of addresses reachable to the node.'),
               _column('External-IP', priority=1, description='List of addresses reachable to the node.'),
               _column('OS-Image', priority=1, description='OS Image reported by the node.'),
               _column('Kernel-Version', priority=1, description='Kernel Version reported by the node.'),
               _column('Container-Runtime', priority=1, description='ContainerRuntime Version reported by the '
                                                                    'node.')], _node_cells),
    'pods': ([NAME, _column('Ready', description='The aggregate readiness state of this pod for accepting traffic.'),
              _column('Status', description='The aggregate status of the containers in this pod.'),
              _column('Restarts', description='The number of times the containers in this pod have been restarted '
                                              'and when the last container in this pod has restarted.'), AGE,
              _column('IP', priority=1, description='IP address allocated to the pod.'),
              _column('Node', priority=1, description='Name of the node this pod is scheduled on.'),
              _column('Nominated Node', priority=1, description='Name of the node where this pod is nominated to '
                                                                'run.'),
              _column('Readiness Gates', priority=1, description='Pod readiness gates.')], _pod_cells),
    'namespaces': ([NAME, _column('Status', description='The status of the namespace'), AGE], _namespace_cells),
    'configmaps': ([NAME, _column('Data', 'integer', CONFIGMAP_DATA_DOC), AGE], _configmap_cells),
    'daemonsets': ([NAME, _column('Desired', 'integer', 'The total number of nodes that should be running the '
                                                        'daemon pod.'),
                    _column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod.'),
                    _column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have '
                                                'one or more of the daemon pod running and ready.'),
                    _column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon '
                                                     'pod'),
                    _column('Available', 'integer', 'The number of nodes that should be running the daemon pod and '
                                                    'have one or more of the daemon pod running and available.'),
                    _column('Node Selector', description='NodeSelector is a selector which must be true for the pod '
                                                         'to fit on a node.'), AGE] + TEMPLATE_WIDE,
                   _daemonset_cells),
    'deployments': ([NAME, _column('Ready', description='Number of the pod with ready state'),
                     _column('Up-to-date', 'integer', 'Total number of non-terminated pods targeted by this '
                                                      'deployment that have the desired template spec.'),
                     _column('Available', 'integer', 'Total number of available pods (ready for at least '
                                                     'minReadySeconds) targeted by this deployment.'),
                     AGE] + TEMPLATE_WIDE, _deployment_cells),
    'replicasets': ([NAME, _column('Desired', 'integer', 'Replicas is the number of desired pods.'),
                     _column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
                     _column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
                     AGE] + TEMPLATE_WIDE, _replicaset_cells),
    'poddisruptionbudgets': ([NAME, _column('Min Available', description='The minimum number of pods that must be '
                                                                         'available.'),
                              _column('Max Unavailable', description='The maximum number of pods that may be '
                                                                     'unavailable.'),
                              _column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be '
                                                                        'disrupted at this time.'), AGE], _pdb_cells),
}


def _row_object(obj: Obj, include_object: str) -> Optional[dict[str, Any]]:
    if include_object == 'None':
        return None
    if include_object == 'Object':
        return obj
    return {'kind': 'PartialObjectMetadata', 'apiVersion': 'meta.k8s.io/v1', 'metadata': obj['metadata']}


def table(resource: str, objects: list[Obj], resource_version: str, include_object: str = 'Metadata',
          now: Optional[datetime.datetime] = None) -> dict[str, Any]:
    """A Table of ``objects``; ``include_object`` is None, Metadata (PartialObjectMetadata) or Object.

    ``ValueError`` for an ``include_object`` the apiserver refuses (the caller answers 400).
    """
    if include_object not in ('None', 'Metadata', 'Object'):
        raise ValueError('includeObject must be one of None, Metadata, Object')
    now = now or datetime.datetime.now(datetime.timezone.utc)
    columns, printer = PRINTERS[resource]
    rows = []
    for obj in objects:
        row: dict[str, Any] = {'cells': printer(obj, now)}
        if resource == 'pods' and _pod_conditions(obj):
            row['conditions'] = _pod_conditions(obj)
        row['object'] = _row_object(obj, include_object)
        rows.append(row)
    return {'kind': 'Table', 'apiVersion': 'meta.k8s.io/v1', 'metadata': {'resourceVersion': resource_version},
            'columnDefinitions': columns, 'rows': rows}
