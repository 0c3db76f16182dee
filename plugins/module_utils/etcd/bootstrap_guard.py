# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The split-brain guard of bootstrap: has any control plane of this cluster been bootstrapped already?

Talos refuses a second Bootstrap only on a machine whose etcd data directory is not empty
(internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:Server.Bootstrap @ v1.14.0-rc.1). Another
control plane that has not joined yet (it waits for a cluster to join) accepts it and starts a second etcd
cluster. So the guard asks every control plane it knows of (the ones given, and the control planes cluster
discovery lists on the target) for its etcd service:

* etcd runs, or its events show a bootstrap was requested (machined records "Bootstrap requested" the moment
  it accepts one, system/services/etcd.go:BootstrapEtcd @ v1.14.0-rc.1, long before etcd runs when its image
  is still being pulled): the cluster is bootstrapped;
* the node cannot be asked (down, cut off, refusing): the guard cannot tell, which blocks the bootstrap
  unless the user forces it;
* the node runs no etcd service: not a control plane, nothing to check.

Private module: free to change between releases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import etcd_service

RUNNING = 'Running'
ETCD_RUNS = 'etcd runs'
BOOTSTRAP_REQUESTED = 'Bootstrap requested'
MEMBERS = ('cluster', 'Members.cluster.talos.dev')
CONTROL_PLANE = 'controlplane'


@dataclass
class Survey:
    """What the control planes said: bootstrapped ones (with why), the ones that could not be asked, and the
    machines that run no etcd service."""

    bootstrapped: dict[str, str] = field(default_factory=dict)
    unreachable: dict[str, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    without_etcd: list[str] = field(default_factory=list)


def bootstrap_evidence(service: dict[str, Any] | None) -> str | None:
    """Why the etcd service shows a bootstrapped node; None when it does not (or there is no etcd service)."""
    if service is None:
        return None
    if service['state'] == RUNNING:
        return ETCD_RUNS
    if BOOTSTRAP_REQUESTED in service.get('events', ()):
        return 'a bootstrap was requested (etcd %s)' % service['state']
    return None


async def discovered_controlplanes(client: TalosClient, node: str | None) -> list[str]:
    """Control planes cluster discovery lists on ``node`` (its first address each); none when it cannot say."""
    found = []
    try:
        async for member in client.list_resources(*MEMBERS, node=node):
            spec = member['spec'] or {}
            if spec.get('machineType') == CONTROL_PLANE and spec.get('addresses'):
                found.append(str(spec['addresses'][0]))
    except TalosError:
        return []  # discovery disabled or not readable: the given control planes are all there is
    return found


async def survey(client: TalosClient, node: str | None, controlplanes: list[str]) -> Survey:
    """Ask the target, the given control planes and the discovered ones about their etcd (concurrently)."""
    label = client.settings.node_label
    targets = list(dict.fromkeys(label(name) for name in [node] + controlplanes
                                 + await discovered_controlplanes(client, node)))
    answers = await client.for_nodes(targets, lambda target: etcd_service(client, target))
    found = Survey(checked=targets)
    for target, answer in answers.items():
        if isinstance(answer, TalosError):
            found.unreachable[target] = str(answer)
            continue
        if answer is None:
            found.without_etcd.append(target)
        evidence = bootstrap_evidence(answer)
        if evidence:
            found.bootstrapped[target] = evidence
    return found
