# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks an upgrade passes before anything changes: the target's installer accepts the node's version, and
the target supports the node's Kubernetes.

The first is the installer's own preflight (cmd/installer/pkg/install/preflight.go:talosVersion @ v1.14.0-rc.1):
``force`` cannot skip it, the installer would fail anyway. The second is not checked by the installer (its
preflight compares Talos versions only; talosctl checks Kubernetes in upgrade-k8s,
pkg/cluster/kubernetes/compat.go), so ``force`` skips it with a warning: the node then comes back with a
kubelet its Talos does not support.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade_path import (kubernetes_fit,
                                                                                         kubernetes_range,
                                                                                         path_by_lines, refusal)


def guard_path(current: str, target: str) -> list[str]:
    """The versions from ``current`` to ``target`` when the target's installer runs on ``current``; else a
    TalosError naming the rule and the path to take (``result['path']`` holds it, hops named by line)."""
    rule = refusal(current, target)
    if rule is None:
        return [current, target]
    try:
        path = path_by_lines(current, target)
    except TalosError as exc:
        raise TalosError('the installer of Talos %s would refuse to run on Talos %s (%s); nothing was changed'
                         % (target, current, exc.message), result={'path': [current, target]}) from None
    raise TalosError('the installer of Talos %s would refuse to run on Talos %s: %s; upgrade through %s, one '
                     'upgrade per hop (nothing was changed)' % (target, current, rule, ' -> '.join(path)),
                     result={'path': path})


def _supports(talos: str) -> str:
    low, high = kubernetes_range(talos) or ('?', '?')
    return 'Talos %s supports Kubernetes %s up to (not including) %s' % (talos, low, high)


def guard_kubernetes(kubernetes: Optional[str], current: str, target: str, force: bool) -> list[str]:
    """Warnings (with ``force``) or a TalosError when Talos ``target`` does not support the node's Kubernetes."""
    fit = kubernetes_fit(kubernetes, target) if kubernetes else None
    if fit is None:
        return []
    why = 'the node runs Kubernetes %s, %s for Talos %s: %s' % (kubernetes, fit, target, _supports(target))
    if kubernetes_range(current):
        why += ' (%s)' % _supports(current)
    if force:
        return ['%s; upgrading anyway (force): the installer does not check Kubernetes' % why]
    step = 'upgrade Kubernetes first' if fit == 'too old' else 'downgrade Kubernetes first'
    raise TalosError('%s: %s (force skips this check; nothing was changed)' % (why, step))
