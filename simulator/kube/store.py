# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The object store behind talos-sim's Kubernetes API: what etcd3 storage and the watch cache give kube-apiserver.

One global revision counter, as etcd's, is every object's ``metadata.resourceVersion``. The rules are those of
kubernetes/kubernetes v1.34.0:

* Status errors worded as ``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go`` (NewNotFound,
  NewAlreadyExists, NewConflict, NewInvalid ...);
* metadata on create (``staging/src/k8s.io/apiserver/pkg/registry/rest/create.go:BeforeCreate``: uid,
  creationTimestamp, generateName + 5 characters of ``apimachinery/pkg/util/rand/rand.go:String``), generation
  set by each strategy's PrepareForCreate and bumped by PrepareForUpdate when the spec changes;
* an update that changes nothing writes nothing and keeps the resourceVersion
  (``apiserver/pkg/storage/etcd3/store.go:GuaranteedUpdate``), a stale resourceVersion is a Conflict
  (``apiserver/pkg/registry/generic/registry/store.go:Update``); PUT/PATCH of the main resource keep the
  status of resources with a status subresource, and the status subresource changes status only
  (``pkg/registry/core/pod/strategy.go:PrepareForUpdate`` and ``podStatusStrategy``);
* selectors from ``apimachinery/pkg/labels/selector.go:Parse`` and ``apimachinery/pkg/fields/selector.go``,
  LabelSelector objects from ``apimachinery/pkg/apis/meta/v1/helpers.go:LabelSelectorAsSelector``;
* watches as the watch cache serves them (``apiserver/pkg/storage/cacher/cacher.go:Watch``,
  ``watch_cache.go:getAllEventsSinceLocked``, ``cache_watcher.go:convertToWatchEvent``): without a
  resourceVersion (or "0") the current objects first as ADDED, from a resourceVersion the events since
  (``too old resource version`` 410 Expired once they left the bounded history), and an object leaving
  (entering) a selector is DELETED (ADDED) for that watch.
"""

from __future__ import annotations

import collections
import copy
import datetime
import logging
import random
import uuid
from typing import Any, Callable, Optional

from simulator.kube import api_types
from simulator.kube.api_types import Obj, Resource
from simulator.kube.errors import (ApiError, already_exists, bad_request, conflict, expired, invalid, not_found,
                                   required, unsupported_media_type)
from simulator.kube.patches import JSON_PATCH, PATCH_TYPES, STRATEGIC_MERGE_PATCH, json_patch, merge_patch
from simulator.kube.selectors import FieldSelector, LabelSelector
from simulator.kube.strategic_merge import PatchError, schema_for, strategic_merge
from simulator.kube.watch import Event, Filter, Watch

log = logging.getLogger(__name__)

NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'  # util/rand: no vowels, no 0/1/3 (no words, no look-alikes)
HISTORY = 1000

Listener = Callable[[str, str, Obj], None]


def now_rfc3339() -> str:
    """metav1.Time as it is serialized: RFC 3339, seconds, UTC ``Z``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _key(res: Resource, namespace: Optional[str], name: str) -> tuple[str, str]:
    return (namespace or '') if res.namespaced else '', name


class Store:
    """Every object of every served resource, keyed by (namespace, name); used from one event loop only."""

    def __init__(self, history: int = HISTORY) -> None:
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {name: {} for name in api_types.RESOURCES}
        self._revision = 1
        self._history: collections.deque[Event] = collections.deque(maxlen=history)
        self._history_floor = self._revision  # events after this revision are all in the history
        self._watches: set[Watch] = set()
        self._listeners: list[Listener] = []
        self._pending: collections.deque[Event] = collections.deque()
        self._dispatching = False

    @property
    def revision(self) -> str:
        return str(self._revision)

    # -- reads

    def get(self, resource: str, namespace: Optional[str], name: str) -> Obj:
        res = api_types.resource(resource)
        found = self._objects[resource].get(_key(res, namespace, name))
        if found is None:
            raise not_found(res, name)
        return copy.deepcopy(found)

    def list(self, resource: str, namespace: Optional[str] = None, label_selector: str = '',
             field_selector: str = '') -> tuple[list[Obj], str]:
        """Matching objects sorted by namespace/name, and the list's resourceVersion."""
        flt = self._filter(resource, namespace, label_selector, field_selector)
        items = [copy.deepcopy(obj) for _key_, obj in sorted(self._objects[resource].items()) if flt.matches(obj)]
        return items, self.revision

    # -- writes

    def create(self, resource: str, obj: Obj, dry_run: bool = False) -> Obj:
        """Store a new object; ``dry_run`` returns it as it would be stored, without storing it."""
        res = api_types.resource(resource)
        obj = copy.deepcopy(obj)
        meta = obj.setdefault('metadata', {})
        if not meta.get('name'):
            if not meta.get('generateName'):
                raise invalid(res, '', [required('metadata.name', 'name or generateName is required')])
            meta['name'] = meta['generateName'] + ''.join(random.choice(NAME_SUFFIX_ALPHABET) for _ in range(5))
        if res.namespaced:
            meta['namespace'] = meta.get('namespace') or 'default'
        else:
            meta.pop('namespace', None)
        key = _key(res, meta.get('namespace'), meta['name'])
        if key in self._objects[resource]:
            raise already_exists(res, meta['name'])
        meta.pop('resourceVersion', None)
        meta['uid'] = str(uuid.uuid4())
        meta['creationTimestamp'] = now_rfc3339()
        if res.generation:
            meta['generation'] = 1
        if dry_run:
            obj['apiVersion'], obj['kind'] = res.group_version, res.kind
            return obj
        return self._commit(res, key, 'ADDED', obj, None)

    def update(self, resource: str, obj: Obj, subresource: Optional[str] = None, dry_run: bool = False) -> Obj:
        """Replace an object (PUT); ``subresource='status'`` replaces only its status; ``dry_run`` stores nothing."""
        res = api_types.resource(resource)
        meta = obj.get('metadata') or {}
        key = _key(res, meta.get('namespace') or 'default', meta.get('name', ''))
        current = self._objects[resource].get(key)
        if current is None:
            raise not_found(res, key[1])
        wanted = meta.get('resourceVersion')
        if wanted and wanted != current['metadata']['resourceVersion']:
            raise conflict(res, key[1])
        if subresource == 'status':
            new = copy.deepcopy(current)
            _replace(new, 'status', obj.get('status'))
        else:
            new = copy.deepcopy(obj)
            if res.status:
                _replace(new, 'status', current.get('status'))
            for kept in ('uid', 'creationTimestamp', 'generation', 'deletionTimestamp'):
                _replace(new.setdefault('metadata', {}), kept, current['metadata'].get(kept))
        return self._write(res, key, current, new, dry_run)

    def patch(self, resource: str, namespace: Optional[str], name: str, body: Any, patch_type: str,
              subresource: Optional[str] = None) -> Obj:
        """PATCH by content type; a resourceVersion in the patch is a precondition, as the apiserver has it.

        A strategic merge patch that cannot apply is 400 BadRequest (``apiserver/pkg/endpoints/handlers/
        patch.go:interpretStrategicMergePatchError``).
        """
        res = api_types.resource(resource)
        current = self.get(resource, namespace, name)
        if patch_type not in PATCH_TYPES:
            raise unsupported_media_type(patch_type)
        try:
            if patch_type == JSON_PATCH:
                if not isinstance(body, list):
                    raise bad_request('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
                patched = json_patch(current, body)
            else:
                if not isinstance(body, dict):
                    raise bad_request('json: cannot unmarshal array into Go value of type map[string]interface {}')
                patched = (strategic_merge(current, body, schema_for(resource)) if patch_type == STRATEGIC_MERGE_PATCH
                           else merge_patch(current, body))
        except PatchError as err:
            raise bad_request(str(err)) from err
        except ValueError as err:
            raise ApiError(422, 'Invalid', str(err), {}) from err
        if not isinstance(patched, dict):
            raise bad_request('the patched object is not a JSON object')
        meta = patched.setdefault('metadata', {})
        if meta.get('resourceVersion') != current['metadata']['resourceVersion']:
            raise conflict(res, name)
        meta['name'], meta['namespace'] = name, current['metadata'].get('namespace')
        if meta['namespace'] is None:
            meta.pop('namespace')
        return self.update(resource, patched, subresource)

    def delete(self, resource: str, namespace: Optional[str], name: str) -> Obj:
        """Remove an object; returns it as it was, at the deletion's resourceVersion."""
        res = api_types.resource(resource)
        key = _key(res, namespace, name)
        current = self._objects[resource].get(key)
        if current is None:
            raise not_found(res, name)
        return self._commit(res, key, 'DELETED', copy.deepcopy(current), current)

    def mutate(self, resource: str, namespace: Optional[str], name: str, fn: Callable[[Obj], Obj]) -> Obj:
        """For controllers: ``fn`` gets a copy and returns the new object (status included); no write if equal."""
        res = api_types.resource(resource)
        key = _key(res, namespace, name)
        current = self._objects[resource].get(key)
        if current is None:
            raise not_found(res, name)
        return self._write(res, key, current, fn(copy.deepcopy(current)))

    def _write(self, res: Resource, key: tuple[str, str], current: Obj, new: Obj, dry_run: bool = False) -> Obj:
        meta = new.setdefault('metadata', {})
        meta['name'] = key[1]
        if res.namespaced:
            meta['namespace'] = key[0]
        meta['resourceVersion'] = current['metadata']['resourceVersion']
        for field in ('uid', 'creationTimestamp'):
            _replace(meta, field, current['metadata'].get(field))
        if res.generation and new.get('spec') != current.get('spec'):
            meta['generation'] = current['metadata'].get('generation', 0) + 1
        new.setdefault('apiVersion', res.group_version)
        new.setdefault('kind', res.kind)
        if new == current:
            return copy.deepcopy(current)
        if dry_run:
            return new
        return self._commit(res, key, 'MODIFIED', new, current)

    def _commit(self, res: Resource, key: tuple[str, str], kind: str, obj: Obj, previous: Optional[Obj]) -> Obj:
        self._revision += 1
        obj['apiVersion'], obj['kind'] = res.group_version, res.kind
        obj['metadata']['resourceVersion'] = str(self._revision)
        if kind == 'DELETED':
            del self._objects[res.name][key]
        else:
            self._objects[res.name][key] = obj
        if len(self._history) == self._history.maxlen:
            self._history_floor = self._history[0].revision
        event = Event(self._revision, kind, res.name, obj, previous)
        self._history.append(event)
        for watch in list(self._watches):
            watch._offer(event)
        self._notify(event)
        return copy.deepcopy(obj)

    # -- change notification

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """``callback(event_type, resource, obj)`` after every change; returns the unsubscribe function.

        Callbacks may write to the store: the changes they make are delivered after the current one, in
        order, instead of recursively.
        """
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)
        return unsubscribe

    def _notify(self, event: Event) -> None:
        self._pending.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                ev = self._pending.popleft()
                for listener in list(self._listeners):
                    try:
                        listener(ev.type, ev.resource, copy.deepcopy(ev.obj))
                    except Exception:  # a controller's bug must not fail an unrelated client's write
                        log.exception('store listener %r failed on %s %s', listener, ev.type, ev.resource)
        finally:
            self._dispatching = False

    # -- watches

    def _filter(self, resource: str, namespace: Optional[str], label_selector: str, field_selector: str) -> Filter:
        res = api_types.resource(resource)
        return Filter(resource, namespace if res.namespaced else None, LabelSelector(label_selector or ''),
                      FieldSelector(res, field_selector or ''))

    def watch(self, resource: str, namespace: Optional[str] = None, label_selector: str = '',
              field_selector: str = '', resource_version: Optional[str] = None) -> Watch:
        """Changes after ``resource_version``; without one (or "0") the current objects first, as ADDED.

        410 Expired when the events since ``resource_version`` are no longer all in the history.
        """
        flt = self._filter(resource, namespace, label_selector, field_selector)
        if resource_version in (None, '', '0'):
            backlog = [('ADDED', copy.deepcopy(obj)) for _k, obj in sorted(self._objects[resource].items())
                       if flt.matches(obj)]
            return Watch(self, flt, backlog)
        try:
            since = int(resource_version)
        except ValueError as err:
            raise bad_request('invalid resource version: %s' % resource_version) from err
        if since < self._history_floor:
            raise expired('too old resource version: %d (%d)' % (since, self._history_floor))
        backlog = [seen for seen in (flt.event(ev) for ev in self._history if ev.revision > since) if seen]
        return Watch(self, flt, backlog)


def _replace(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` to a copy of ``value``, or remove it when ``value`` is None."""
    if value is None:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)
