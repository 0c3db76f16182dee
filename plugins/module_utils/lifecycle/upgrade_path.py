# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Talos versions an installer accepts, which Kubernetes versions a Talos line runs, and the hops between.

Talos's installer refuses to run on a host whose version is older than its line's minimum or at least its
line's downgrade bound (cmd/installer/pkg/install/preflight.go:talosVersion, which calls
pkg/machinery/compatibility/talos_version.go:UpgradeableFrom @ v1.14.0-rc.1); only major.minor.patch
count, pre-releases compare as their release. The numbers are talosXY.go's MinimumHostUpgradeVersion,
MaximumHostDowngradeVersion (exclusive), MinimumKubernetesVersion and MaximumKubernetesVersion (exclusive:
kubernetes_version.go:SupportedWith refuses a version at or above it) @ v1.14.0-rc.1, and talos115.go on main.

Private module: free to change between releases.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, NamedTuple, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.version import TalosVersion, parse_version

Line = tuple[int, int]
Core = tuple[int, int, int]


class LineRules(NamedTuple):
    upgrade_from: Core  # the oldest host version the line's installer runs on
    downgrade_before: Core  # the first host version too new for it
    kubernetes_from: Core
    kubernetes_before: Core


RULES: dict[Line, LineRules] = {
    (1, 2): LineRules((1, 0, 0), (1, 3, 0), (1, 23, 0), (1, 25, 99)),
    (1, 3): LineRules((1, 0, 0), (1, 5, 0), (1, 24, 0), (1, 26, 99)),
    (1, 4): LineRules((1, 0, 0), (1, 6, 0), (1, 25, 0), (1, 27, 99)),
    (1, 5): LineRules((1, 2, 0), (1, 7, 0), (1, 26, 0), (1, 28, 99)),
    (1, 6): LineRules((1, 3, 0), (1, 8, 0), (1, 24, 0), (1, 29, 99)),
    (1, 7): LineRules((1, 4, 0), (1, 9, 0), (1, 25, 0), (1, 30, 99)),
    (1, 8): LineRules((1, 5, 0), (1, 10, 0), (1, 26, 0), (1, 31, 99)),
    (1, 9): LineRules((1, 8, 0), (1, 11, 0), (1, 27, 0), (1, 32, 99)),
    (1, 10): LineRules((1, 8, 0), (1, 12, 0), (1, 28, 0), (1, 33, 99)),
    (1, 11): LineRules((1, 9, 0), (1, 13, 0), (1, 29, 0), (1, 34, 99)),
    (1, 12): LineRules((1, 10, 0), (1, 14, 0), (1, 30, 0), (1, 35, 99)),
    (1, 13): LineRules((1, 11, 0), (1, 15, 0), (1, 31, 0), (1, 36, 99)),
    (1, 14): LineRules((1, 12, 0), (1, 16, 0), (1, 32, 0), (1, 37, 99)),
    (1, 15): LineRules((1, 13, 0), (1, 17, 0), (1, 33, 0), (1, 38, 99)),
}


def version_of(tag: str, what: str = 'version') -> TalosVersion:
    parsed = parse_version(tag)
    if parsed is None:
        raise TalosError('%s %r is not a version tag such as v1.14.1' % (what, tag))
    return parsed


def _core(version: TalosVersion) -> Core:
    return (version.major, version.minor, version.patch)


def _text(core: Core) -> str:
    return 'v%d.%d.%d' % core


def line_of(version: TalosVersion) -> Line:
    return (version.major, version.minor)


def refusal(host: str, target: str) -> Optional[str]:
    """Why the installer of ``target`` refuses to run on a ``host`` version, or None when it runs (or when the
    target's line is newer than these rules: its installer is the judge then)."""
    rules = RULES.get(line_of(version_of(target, 'target version')))
    core = _core(version_of(host, 'host version'))
    if rules is None:
        return None
    if core < rules.upgrade_from:
        return 'Talos %s upgrades only from %s or newer' % (target, _text(rules.upgrade_from))
    if core >= rules.downgrade_before:
        return 'Talos %s runs only on hosts older than %s (it cannot downgrade %s)' % (
            target, _text(rules.downgrade_before), host)
    return None


def kubernetes_range(target: str) -> Optional[tuple[str, str]]:
    """(oldest supported, first unsupported) Kubernetes version of the target's line; None when not known."""
    rules = RULES.get(line_of(version_of(target, 'target version')))
    return (_text(rules.kubernetes_from), _text(rules.kubernetes_before)) if rules else None


def kubernetes_fit(kubernetes: str, target: str) -> Optional[str]:
    """``too old`` or ``too new`` when Talos ``target`` does not support Kubernetes ``kubernetes``, else None
    (also when the target's line is newer than these rules)."""
    rules = RULES.get(line_of(version_of(target, 'target version')))
    core = _core(version_of(kubernetes, 'Kubernetes version'))
    if rules is None or rules.kubernetes_from <= core < rules.kubernetes_before:
        return None
    return 'too old' if core < rules.kubernetes_from else 'too new'


def _newest_by_line(available: Iterable[str]) -> dict[Line, str]:
    """The newest release (not a pre-release) of each line in ``available``."""
    newest: dict[Line, tuple[TalosVersion, str]] = {}
    for tag in available:
        parsed = parse_version(tag)
        if parsed is None or parsed.prerelease:
            continue
        tag = tag if tag.startswith('v') else 'v' + tag
        known = newest.get(line_of(parsed))
        if known is None or known[0] < parsed:
            newest[line_of(parsed)] = (parsed, tag)
    return {line: tag for line, (_version, tag) in newest.items()}


def _route(current: str, target: str, newest: Optional[dict[Line, str]]) -> Optional[list[Line]]:
    """The fewest lines to pass through from ``current`` to ``target`` (breadth first, oldest lines first, so
    among equally short paths the one of smallest jumps), only lines in ``newest`` when given; None for none.

    Without ``newest`` a line is judged by its .0 release: the rules bound lines at .0 releases, so every patch
    of a line is judged alike."""
    low, high = sorted((line_of(version_of(current)), line_of(version_of(target))))
    between = [line for line in sorted(RULES) if low < line < high and (newest is None or line in newest)]

    def name(line: Line) -> str:
        return newest[line] if newest is not None else 'v%d.%d.0' % line

    queue: deque[tuple[str, list[Line]]] = deque([(current, [])])
    seen: set[Line] = set()
    while queue:
        host, lines = queue.popleft()
        if refusal(host, target) is None:
            return lines
        for line in between:
            if line not in seen and refusal(host, name(line)) is None:
                seen.add(line)
                queue.append((name(line), lines + [line]))
    return None


def _no_path(current: str, target: str, newest: Optional[dict[Line, str]]) -> TalosError:
    through = '' if newest is None else ' through the versions available (%s)' % (
        ', '.join(sorted(newest.values(), key=version_of)) or 'none')
    return TalosError('no upgrade path from Talos %s to %s%s: %s'
                      % (current, target, through, refusal(current, target)))


def path_by_lines(current: str, target: str) -> list[str]:
    """The path from ``current`` to ``target``, both included, intermediate hops named by line
    (``newest v1.13.x``); raises TalosError when there is none."""
    lines = _route(current, target, None)
    if lines is None:
        raise _no_path(current, target, None)
    return [current] + ['newest v%d.%d.x' % line for line in lines] + [target]


def plan(current: str, target: str, available: Optional[Iterable[str]] = None) -> list[str]:
    """The hops from ``current`` to ``target`` (the target last): the newest release in ``available`` of each
    line to pass through, fewest hops first. Raises TalosError when there is no path, or when the path needs an
    intermediate hop and ``available`` is not given (the message names the lines)."""
    version_of(current, 'current version')
    version_of(target, 'target version')
    if refusal(current, target) is None:
        return [target]
    if available is None:
        raise TalosError('Talos %s cannot be installed on %s directly (%s); the path is %s, and available '
                         '(the versions to choose from) names the releases' % (
                             target, current, refusal(current, target),
                             ' -> '.join(path_by_lines(current, target))))
    newest = _newest_by_line(available)
    lines = _route(current, target, newest)
    if lines is None:
        raise _no_path(current, target, newest)
    return [newest[line] for line in lines] + [target]
