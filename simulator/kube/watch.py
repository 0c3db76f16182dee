# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Watches as kube-apiserver's watch cache serves them (kubernetes v1.34.0
``staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go:convertToWatchEvent``): a change is seen
through the watch's filter, and an object leaving (entering) the filter is DELETED (ADDED) for that watch."""

from __future__ import annotations

import asyncio
import copy
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from simulator.kube.api_types import Obj
from simulator.kube.selectors import FieldSelector, LabelSelector

if TYPE_CHECKING:
    from simulator.kube.store import Store


class Event(NamedTuple):
    revision: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    obj: Obj
    previous: Optional[Obj]  # the object before a MODIFIED or DELETED


class Filter(NamedTuple):
    resource: str
    namespace: Optional[str]
    labels: LabelSelector
    fields: FieldSelector

    def matches(self, obj: Optional[Obj]) -> bool:
        if obj is None:
            return False
        meta = obj.get('metadata') or {}
        return ((not self.namespace or meta.get('namespace') == self.namespace)
                and self.labels.matches(meta.get('labels')) and self.fields.matches(obj))

    def event(self, ev: Event) -> Optional[tuple[str, Obj]]:
        """What a watch with this filter sees of a change: ADDED/MODIFIED/DELETED, or nothing."""
        if ev.resource != self.resource:
            return None
        now, before = self.matches(ev.obj), self.matches(ev.previous)
        if ev.type == 'MODIFIED' and now != before:
            if now:
                return 'ADDED', copy.deepcopy(ev.obj)
            gone = copy.deepcopy(ev.previous)
            gone['metadata']['resourceVersion'] = str(ev.revision)
            return 'DELETED', gone
        return (ev.type, copy.deepcopy(ev.obj)) if now else None


_CLOSED = object()


class Watch:
    """An async iterator of ``(type, object)``; registered with the store as soon as it exists."""

    def __init__(self, store: 'Store', flt: Filter, backlog: list[tuple[str, Obj]]) -> None:
        self._store = store
        self._filter = flt
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        for item in backlog:
            self._queue.put_nowait(item)
        store._watches.add(self)

    def _offer(self, ev: Event) -> None:
        seen = self._filter.event(ev)
        if seen is not None:
            self._queue.put_nowait(seen)

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> tuple[str, Obj]:
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # later calls end too
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        if self in self._store._watches:
            self._store._watches.discard(self)
            self._queue.put_nowait(_CLOSED)
