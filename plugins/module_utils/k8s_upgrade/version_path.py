# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Kubernetes version a cluster may go to: the path from the running version, and what each node's Talos
supports.

The path is siderolabs/go-kubernetes kubernetes/upgrade/path.go:Path.IsSupported @ 0caf1f2: the same minor or
the next one, from 1.19 on (its table lists 1.19->1.19 up to 1.37->1.37; later minors are accepted here by the
same rule, since each node's Talos bounds the target anyway). ``upgrade-k8s`` also lets a patch release go
backwards within the minor; this collection refuses that, as it refuses every downgrade.

What a Talos line supports is pkg/cluster/kubernetes/compat.go:CheckCompatibility, which calls
pkg/machinery/compatibility/kubernetes_version.go:SupportedWith @ v1.14.0-rc.1: the line's
MinimumKubernetesVersion and its MaximumKubernetesVersion (exclusive), both compared on major.minor.patch only.
The numbers per line are lifecycle/upgrade_path.py RULES (talosXY.go @ v1.14.0-rc.1, talos115.go on main), the
same table the Talos upgrade checks its node's Kubernetes with.

Private module: free to change between releases.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import TalosVersion, parse_version
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade_path import RULES

_VERSION = re.compile(r'^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$')

# The first minor upgrade-k8s has a path for (path.go's table starts at 1.19->1.19).
FIRST_MINOR = 19


@functools.total_ordering
@dataclass(frozen=True)
class KubeVersion:
    major: int
    minor: int
    patch: int
    pre: str = ''

    def __str__(self) -> str:
        core = '%d.%d.%d' % (self.major, self.minor, self.patch)
        return '%s-%s' % (core, self.pre) if self.pre else core

    @property
    def line(self) -> str:
        return '%d.%d' % (self.major, self.minor)

    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def _key(self) -> tuple:
        # Semver precedence, the same rule as Talos versions' (client/version.py).
        return TalosVersion(*self.core(), tuple(self.pre.split('.')) if self.pre else ()).key()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return self._key() < other._key()


def parse_kube_version(text: Any, what: str) -> KubeVersion:
    """``1.36.3``, ``v1.36.3`` or ``1.37.0-rc.0``; a TalosError naming ``what`` for anything else."""
    match = _VERSION.match(text) if isinstance(text, str) else None
    if match is None:
        raise TalosError('%s %r is not a Kubernetes version such as 1.36.3 or v1.36.3' % (what, text))
    return KubeVersion(int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4) or '')


def _way_up(current: KubeVersion, target: KubeVersion) -> str:
    return ' -> '.join('%d.%d' % (current.major, minor) for minor in range(current.minor, target.minor + 1))


def check_path(current: KubeVersion, target: KubeVersion) -> None:
    """Nothing when the cluster may go from ``current`` to ``target``; else a TalosError naming both and, for a
    skipped minor, the way up."""
    hop = 'Kubernetes %s -> %s' % (current.line, target.line)
    if current.major != 1 or target.major != 1 or current.minor < FIRST_MINOR or target.minor < FIRST_MINOR:
        raise TalosError('%s is not supported: upgrade-k8s upgrades Kubernetes 1.%d and newer 1.x versions only'
                         % (hop, FIRST_MINOR))
    if target.minor < current.minor:
        raise TalosError('%s is not supported: Kubernetes does not downgrade (the cluster runs %s, the target is '
                         '%s)' % (hop, current, target))
    if target.minor > current.minor + 1:
        raise TalosError('%s is not supported: upgrade one minor at a time: %s' % (hop, _way_up(current, target)))
    if target < current:
        raise TalosError('Kubernetes %s -> %s is a downgrade, which is not supported: the target must not be older '
                         'than the running %s' % (current, target, current))


def _core_text(core: tuple[int, int, int]) -> str:
    return '%d.%d.%d' % core


def check_talos_supports(talos_tag: str, target: KubeVersion, node: str) -> Optional[str]:
    """None when the node's Talos supports Kubernetes ``target``; a warning when its line is newer than the
    known ones (its support cannot be told, so nothing is refused); else a TalosError naming the node, its Talos
    version and the supported range."""
    talos = parse_version(talos_tag)
    if talos is None:
        raise TalosError('Talos version %r is not a version tag such as v1.14.1' % (talos_tag,), node=node)
    rules = RULES.get((talos.major, talos.minor))
    if rules is None:
        if (talos.major, talos.minor) > max(RULES):
            return ('node %s runs Talos %s, newer than the Talos lines whose Kubernetes support is known (up to '
                    '%d.%d): Kubernetes %s was not checked against it' % ((node, talos_tag) + max(RULES)
                                                                          + (target,)))
        raise TalosError('Talos %s is older than the Talos lines whose Kubernetes support is known (%d.%d and '
                         'newer)' % ((talos_tag,) + min(RULES)), node=node)
    if rules.kubernetes_from <= target.core() < rules.kubernetes_before:
        return None
    fit = 'too old' if target.core() < rules.kubernetes_from else 'too new'
    raise TalosError('Kubernetes %s is %s for Talos %s: Talos %d.%d supports Kubernetes %s up to (not including) '
                     '%s' % ((target, fit, talos_tag, talos.major, talos.minor, _core_text(rules.kubernetes_from),
                              _core_text(rules.kubernetes_before))), node=node)
