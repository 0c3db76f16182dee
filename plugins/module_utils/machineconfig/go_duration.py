# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go's duration strings (time.ParseDuration, time.Duration.String), on their own: every module reads duration
options with them, and only config work needs the schema they are used beside.

Private module: free to change between releases.
"""

from __future__ import annotations

import re

_DURATION_UNITS = {'ns': 1, 'us': 10 ** 3, 'µs': 10 ** 3, 'μs': 10 ** 3, 'ms': 10 ** 6, 's': 10 ** 9,
                   'm': 60 * 10 ** 9, 'h': 3600 * 10 ** 9}


def parse_duration(text: str) -> int:
    """Nanoseconds of a Go duration string (``1h30m``, ``168h0m0s``)."""
    match = re.fullmatch(r'([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|μs|ms|s|m|h))+|0)', text.strip())
    if not match:
        raise ValueError('invalid duration %r' % text)
    total = 0.0
    for number, unit in re.findall(r'([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)', match.group(2)):
        total += float(number) * _DURATION_UNITS[unit]
    return -int(round(total)) if match.group(1) == '-' else int(round(total))


def format_duration(nanos: int) -> str:
    """Go's time.Duration.String()."""
    if nanos == 0:
        return '0s'
    sign = '-' if nanos < 0 else ''
    nanos = abs(nanos)
    if nanos < 10 ** 9:
        for unit, size in (('ms', 10 ** 6), ('µs', 10 ** 3), ('ns', 1)):
            if nanos >= size:
                return sign + _frac(nanos, size) + unit
    hours, rest = divmod(nanos, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    text = _frac(rest, 10 ** 9) + 's'
    if hours:
        return '%s%dh%dm%s' % (sign, hours, minutes, text)
    if minutes:
        return '%s%dm%s' % (sign, minutes, text)
    return sign + text


def _frac(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(unit)) - 1, '0').rstrip('0')
    return '%d.%s' % (whole, digits)
