# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations in module options: one format in every module, the Go duration string talosctl takes.

``90s``, ``15m``, ``720h``, ``1h30m`` (Go's time.ParseDuration grammar, as machineconfig/go_duration.py reads it
for config values too). Two kinds of option take one:

- a timeout (``timeout`` or ``*_timeout``) also takes a bare number, meaning seconds, as it always has;
- a validity period (``ttl``, ``renew_before``, ``renew_within``) requires a unit: a bare number there was days
  in one module and seconds in another, so it is refused rather than guessed.

The module base converts every such option of type ``raw`` to float seconds before the module reads it
(``duration_problem``), so a module never parses a duration itself and every error names the option.

Private module: free to change between releases.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, MutableMapping

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.go_duration import parse_duration

VALIDITY_PERIODS = frozenset(('ttl', 'renew_before', 'renew_within'))
_NUMBER = re.compile(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?')
_EXAMPLES = 'a duration such as 90s, 15m, 720h or 1h30m'
# What YAML or a template may hand over for float('inf') or float('nan'): numbers, but never durations.
_NOT_FINITE = frozenset(sign + word for sign in ('', '+', '-') for word in ('inf', 'infinity', 'nan'))


class DurationError(TalosError, ValueError):
    """An option's value is not a duration it can take; the message names the option."""


def is_timeout(name: str) -> bool:
    return name == 'timeout' or name.endswith('_timeout')


def is_duration_option(name: str) -> bool:
    return is_timeout(name) or name in VALIDITY_PERIODS


def _bare_number(value: Any) -> float | None:
    """The number ``value`` is when it has no unit (an int, a float or a numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and (_NUMBER.fullmatch(value.strip()) or value.strip().lower() in _NOT_FINITE):
        return float(value.strip())
    return None


def to_seconds(value: Any, option: str, bare_seconds: bool, positive: bool = False) -> float:
    """Seconds of ``value``: a Go duration string, or a bare number of seconds when ``bare_seconds``.

    DurationError naming ``option`` for anything else, for a negative or non-finite duration, and for zero when
    ``positive``.
    """
    number = _bare_number(value)
    if number is not None and not math.isfinite(number):
        raise DurationError('option %s: %r is not a finite duration' % (option, value))
    if number is not None:
        if not bare_seconds:
            raise DurationError('option %s: %r has no unit; give a duration with one, e.g. 720h for 30 days'
                                % (option, value))
        seconds = number
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value) / 1e9
        except ValueError:
            raise DurationError('option %s: %r is not %s%s'
                                % (option, value, _EXAMPLES, ' or a number of seconds' if bare_seconds else '')
                                ) from None
    else:
        raise DurationError('option %s: expected %s, got %s %r' % (option, _EXAMPLES, type(value).__name__, value))
    if not math.isfinite(seconds):
        raise DurationError('option %s: %r is not a finite duration' % (option, value))
    if positive and seconds <= 0:
        raise DurationError('option %s: must be greater than 0, not %r' % (option, value))
    if seconds < 0:
        raise DurationError('option %s: a duration must not be negative, not %r' % (option, value))
    return seconds


def duration_problem(params: MutableMapping[str, Any], spec: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Convert, in ``params``, every duration option of ``spec`` (type ``raw``) to float seconds.

    The first value no module can use comes back as an error message. A timeout or a ``ttl`` of zero makes no
    sense (``renew_before: 0s`` does: renew only what has expired).
    """
    for name, option in spec.items():
        value = params.get(name)
        if value is None or option.get('type') != 'raw' or not is_duration_option(name):
            continue
        try:
            params[name] = to_seconds(value, name, bare_seconds=is_timeout(name),
                                      positive=is_timeout(name) or name == 'ttl')
        except DurationError as exc:
            return str(exc)
    return None
