# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bootstrap manifests a control plane renders as COSI resources, and the status of their application.

``Manifests.kubernetes.talos.dev`` (namespace ``controlplane``, control planes only, owner
``k8s.ManifestController``): one resource per manifest id, its spec the manifest's objects
(``internal/app/machined/pkg/controllers/k8s/manifest.go:ManifestController.Run/render`` and
``internal/app/machined/pkg/adapters/k8s/manifest.go:SetObjects`` (status dropped) @ v1.14.0-rc.1). The YAML
spec is the list of objects (``pkg/machinery/resources/k8s/manifest.go:ManifestSpec.MarshalYAML``); the
protobuf spec is ``ManifestSpec{repeated SingleManifest items = 1}`` with each object a
``google.protobuf.Struct`` (``api/resource/definitions/k8s/k8s.proto``). The objects are simulator.kube.addons'
(which manifests and objects are rendered, and what is left out, is said there), so what the cluster applies
and what a client reads over COSI are the same objects.

``ManifestStatuses.kubernetes.talos.dev`` ``manifests`` (``manifest_apply.go:ManifestApplyController.Run``):
``manifestsApplied`` lists the manifest ids, sorted, once the controller ran an apply; talos-sim writes it once
the cluster's Kubernetes API is up (upstream: once this node's etcd is healthy and the apply ran).

Versions follow COSI (1 on create, one more on each change of the spec) per machine and boot, as
simulator.controlplane_config keeps them: changing ``cluster.proxy.image`` grows ``10-kube-proxy``'s version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.protobuf import struct_pb2

from simulator import protoenc
from simulator.boot_versions import VersionTables
from simulator.kube import addons
from simulator.readiness import kubernetes_api_up

if TYPE_CHECKING:
    from simulator.machine import Machine

NAMESPACE = 'controlplane'
MANIFEST_TYPE = 'Manifests.kubernetes.talos.dev'
MANIFEST_STATUS_TYPE = 'ManifestStatuses.kubernetes.talos.dev'
MANIFEST_STATUS_ID = 'manifests'
OWNER = 'k8s.ManifestController'
STATUS_OWNER = 'k8s.ManifestApplyController'


@dataclass(frozen=True)
class Rendered:
    """One resource's id, spec (YAML data and protobuf) and version."""

    type: str
    id: str
    owner: str
    spec: Any
    proto: bytes
    version: int


def _sorted(value: Any) -> Any:
    """Go marshals a map[string]any with its keys sorted."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _struct(obj: dict[str, Any]) -> bytes:
    message = struct_pb2.Struct()
    message.update(obj)
    return message.SerializeToString()


def _manifest_spec(objects: list[dict[str, Any]]) -> tuple[list[Any], bytes]:
    items = [_sorted({k: v for k, v in obj.items() if k != 'status'}) for obj in objects]
    return items, protoenc.encode([(1, [(1, _struct(item))]) for item in items])


_VERSIONS = VersionTables()


def resources(machine: 'Machine') -> list[Rendered]:
    """The machine's Manifests (by id) and, once applied, its ManifestStatus; nothing on a worker."""
    if not machine.configured or machine.planned_type != 'controlplane':
        return []
    table = _VERSIONS.of(machine)
    out = []
    for manifest_id, objects in sorted(addons.manifests(machine.config_yaml or '')):
        spec, proto = _manifest_spec(objects)
        out.append(Rendered(MANIFEST_TYPE, manifest_id, OWNER, spec, proto,
                            table.version((MANIFEST_TYPE, manifest_id), proto)))
    if kubernetes_api_up(machine):
        ids = [item.id for item in out]
        proto = protoenc.encode([(1, manifest_id) for manifest_id in ids])
        out.append(Rendered(MANIFEST_STATUS_TYPE, MANIFEST_STATUS_ID, STATUS_OWNER, {'manifestsApplied': ids}, proto,
                            table.version((MANIFEST_STATUS_TYPE, MANIFEST_STATUS_ID), proto)))
    return out
