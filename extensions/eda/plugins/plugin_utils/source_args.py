# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talos.linux.events source's arguments: the modules' connection options plus what to watch, checked up front.

A rulebook passes them as a plain mapping, with no argument spec to check them, so a misspelt
argument fails here, named, instead of being ignored. Private module: free to change between releases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ansible_collections.talos.linux.plugins.module_utils.client.connection import (ConnectionSettings,
                                                                                    settings_from_options)
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import CONNECTION_SPEC

LIST_OPTIONS = ('endpoints', 'nodes')
DEFAULT_ALARM_INTERVAL = 10.0
DEFAULT_BACKOFF_MAX = 30.0
# ansible-rulebook adds its own arguments under this prefix (eda_feedback_queue).
RULEBOOK_PREFIX = 'eda_'


@dataclass
class SourceOptions:
    settings: ConnectionSettings
    alarm_interval: float  # seconds between etcd alarm polls; 0 turns them off
    backoff_max: float  # longest wait between two reconnection attempts


def source_options(args: Mapping[str, Any]) -> SourceOptions:
    """Validated options from the rulebook's ``args``; TalosError naming the argument when one is wrong."""
    known = set(CONNECTION_SPEC) | {'nodes', 'alarm_interval', 'backoff_max'}
    unknown = sorted(name for name in args if name not in known and not name.startswith(RULEBOOK_PREFIX))
    if unknown:
        raise TalosError('talos.linux.events: unknown argument(s) %s; expected some of %s'
                         % (', '.join(unknown), ', '.join(sorted(known))))
    connection = {name: args.get(name) for name in set(CONNECTION_SPEC) | {'nodes'}}
    for name in LIST_OPTIONS:
        connection[name] = _string_list(name, connection[name])
    return SourceOptions(settings=settings_from_options(connection),
                         alarm_interval=_seconds('alarm_interval', args.get('alarm_interval', DEFAULT_ALARM_INTERVAL),
                                                 zero_allowed=True),
                         backoff_max=_seconds('backoff_max', args.get('backoff_max', DEFAULT_BACKOFF_MAX),
                                              zero_allowed=False))


def _string_list(name: str, value: Any) -> list[str] | None:
    """A list of strings; a single string (one node) is taken as a list of one."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TalosError('talos.linux.events: argument %s must be a list of strings, got %r' % (name, value))


def _seconds(name: str, value: Any, zero_allowed: bool) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0 or (seconds == 0 and not zero_allowed):
        raise TalosError('talos.linux.events: argument %s must be a number of seconds %s, got %r'
                         % (name, 'of 0 or more' if zero_allowed else 'above 0', value))
    return seconds
