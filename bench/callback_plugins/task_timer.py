# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark aid (not shipped): how long each task of a playbook took, from its start to the next task's start.

A playbook's wall time includes ``ansible-playbook``'s own start (about a second here), the same for every
playbook; the benchmarks that compare one task with another read the task's own time from here.
Enabled by bench/node_info_fanout.py with ANSIBLE_CALLBACK_PLUGINS / ANSIBLE_CALLBACKS_ENABLED; writes
``{"task name": seconds}`` as JSON to the file named by TALOS_BENCH_TASK_TIMES at the end of the run.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: task_timer
    type: aggregate
    short_description: each task's wall time, for the benchmarks
    description: Writes each task's wall time as JSON to the file named by TALOS_BENCH_TASK_TIMES.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._times: dict[str, float] = {}
        self._current: tuple[str, float] | None = None

    def _finish_current(self) -> None:
        if self._current is not None:
            name, started = self._current
            self._times[name] = self._times.get(name, 0.0) + time.perf_counter() - started
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):  # noqa: D102  (ansible's callback signature)
        self._finish_current()
        self._current = (task.get_name(), time.perf_counter())

    def v2_playbook_on_stats(self, stats):
        self._finish_current()
        path = os.environ.get('TALOS_BENCH_TASK_TIMES')
        if path:
            with open(path, 'w', encoding='utf-8') as f:
                json.dump(self._times, f)
