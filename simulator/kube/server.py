# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTPS front of talos-sim's Kubernetes API: what kube-apiserver does between TLS and storage.

Written from kubernetes/kubernetes v1.34.0 and Talos's kube-apiserver flags:

* authentication by client certificate only, user = CN, groups = O values plus ``system:authenticated``
  (``staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go:CommonNameUserConversion``); Talos
  runs kube-apiserver with ``anonymous-auth=false``, so a request without one is 401 everywhere
  (siderolabs/talos ``internal/app/machined/pkg/controllers/k8s/control_plane_static_pod.go @ v1.13.9``);
* the request's attributes (``apiserver/pkg/endpoints/request/requestinfo.go:NewRequestInfo``) and the
  403 wording (``apiserver/pkg/endpoints/handlers/responsewriters/errors.go:forbiddenMessage``); the default
  authorizer grants everything to ``system:masters`` and discovery, health and version to any authenticated
  user (``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go``: system:discovery,
  system:public-info-viewer);
* the REST verbs per resource (``apiserver/pkg/endpoints/handlers``: get.go, create.go, update.go, patch.go,
  delete.go, watch.go), what create resets (each registry's ``strategy.go:PrepareForCreate``), the few
  validations clients meet first (``pkg/apis/core/validation/validation.go:ValidatePodSpec``,
  ``pkg/apis/apps/validation``), NamespaceLifecycle admission (no object in a namespace that does not exist)
  and the system namespaces the apiserver creates (``pkg/controlplane/controller/systemnamespaces``);
* watches as newline-delimited JSON events (``apiserver/pkg/endpoints/handlers/watch.go:serveWatch``),
  each object a one-row Table when the client asks for tables (``handlers/response.go:transformObject``,
  ``kubectl get --watch``); a resourceVersion too old comes back as one ERROR event, as the watch cache
  answers it.

Legacy discovery only: kubectl asks for aggregated discovery (apidiscovery.k8s.io/v2) first and falls back
to /api and /apis when the answer is plain ``application/json``. HTTP/1.1 only (ALPN), like a Go client
that cannot get h2.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from typing import Any, Callable, NamedTuple, Optional

import yaml
from aiohttp import web

from simulator.kube import api_types, disruption, server_side_apply, tables
from simulator.kube.api_types import Resource
from simulator.kube.disruption import BudgetRecorder
from simulator.kube.api_types import Obj
from simulator.kube.errors import (ApiError, bad_request, forbidden, invalid, method_not_supported, required,
                                   service_unavailable, unauthorized, unsupported_media_type)
from simulator.kube.patches import PATCH_TYPES
from simulator.kube.store import Store, now_rfc3339
from simulator.kube.strategic_merge import schema_for

log = logging.getLogger(__name__)

JSON = 'application/json'
MASTERS = 'system:masters'
AUTHENTICATED = 'system:authenticated'
SYSTEM_NAMESPACES = ('default', 'kube-system', 'kube-public', 'kube-node-lease')
HEALTH_PATHS = ('/healthz', '/livez', '/readyz')
DISCOVERY_PREFIXES = ('/api', '/apis', '/openapi', '/version') + HEALTH_PATHS
WATCH_TIMEOUT = 1800.0  # --min-request-timeout's default: the longest a watch runs without timeoutSeconds
FIELD_MANAGER_MAX_LENGTH = 128
APPLY_PATCH = 'application/apply-patch+yaml'
DRY_RUN_ALL = 'All'
PAGE_NOT_FOUND = 'the server could not find the requested resource'
UNAVAILABLE = 'the server is currently unable to handle the request'


class Attributes(NamedTuple):
    """What a request asks to do, as the authorizer sees it (authorizer.AttributesRecord)."""

    user: str
    groups: tuple[str, ...]
    verb: str
    path: str
    resource_request: bool
    api_group: str = ''
    resource: str = ''
    subresource: str = ''
    namespace: str = ''
    name: str = ''


Authorizer = Callable[[Attributes], bool]


def masters_and_discovery(attrs: Attributes) -> bool:
    """system:masters may do anything; every authenticated user may read discovery, version and health."""
    if MASTERS in attrs.groups:
        return True
    return (not attrs.resource_request and attrs.verb == 'get'
            and any(attrs.path == p or attrs.path.startswith(p + '/') for p in DISCOVERY_PREFIXES))


def forbidden_error(attrs: Attributes, res: Optional[Resource]) -> ApiError:
    if not attrs.resource_request:
        return forbidden(None, '', 'User "%s" cannot %s path "%s"' % (attrs.user, attrs.verb, attrs.path))
    what = attrs.resource + ('/' + attrs.subresource if attrs.subresource else '')
    scope = ('in the namespace "%s"' % attrs.namespace) if attrs.namespace else 'at the cluster scope'
    why = 'User "%s" cannot %s resource "%s" in API group "%s" %s' % (
        attrs.user, attrs.verb, what, attrs.api_group, scope)
    return forbidden(res, attrs.name, why, attrs.resource)


class Target(NamedTuple):
    """A resource request's path: ``/api/v1/namespaces/<ns>/pods/<name>/<subresource>``."""

    res: Resource
    namespace: str
    name: str
    subresource: str


def parse_resource_path(group: str, version: str, parts: list[str]) -> Optional[Target]:
    """The parts after ``/api/v1`` or ``/apis/<g>/<v>``, as NewRequestInfo splits them; None if not served."""
    namespace = ''
    if parts and parts[0] == 'namespaces' and len(parts) > 1:
        namespace = parts[1]
        if len(parts) > 2 and parts[2] not in ('status', 'finalize'):
            parts = parts[2:]
    if not parts or len(parts) > 3 or '' in parts:
        return None
    res = api_types.find(group, version, parts[0])
    if res is None or (namespace and not res.namespaced and res.name != 'namespaces'):
        return None
    name = parts[1] if len(parts) > 1 else ''
    sub = parts[2] if len(parts) > 2 else ''
    if sub and not any(s.parent == res.name and s.name == sub for s in api_types.SUBRESOURCES):
        return None
    return Target(res, namespace if res.namespaced else '', name, sub)


def _verb(method: str, target: Target, watch: bool) -> str:
    if method == 'GET':
        return 'watch' if watch else 'get' if target.name else 'list'
    if method == 'DELETE':
        return 'delete' if target.name else 'deletecollection'
    return {'POST': 'create', 'PUT': 'update', 'PATCH': 'patch'}.get(method, method.lower())


def _json(body: Any, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=json.dumps(body).encode(), status=status, headers={'Content-Type': content_type})


def _error(err: ApiError) -> web.Response:
    return _json(err.status(), err.code)


def _flag(value: Optional[str]) -> bool:
    return value in ('1', 'true', 'True')


def _wants_table(accept: str) -> bool:
    """``application/json;as=Table;v=v1;g=meta.k8s.io`` among the accepted types (kubectl get)."""
    for media in accept.split(','):
        params = dict(p.strip().split('=', 1) for p in media.split(';')[1:] if '=' in p)
        if params.get('as') == 'Table' and params.get('g') == 'meta.k8s.io' and params.get('v') == 'v1':
            return True
    return False


def _qos_class(pod: Obj) -> str:
    """qos.GetPodQOS, coarsely: BestEffort without requests or limits, Guaranteed when all equal, else Burstable."""
    resources = [c.get('resources') or {} for c in (pod.get('spec') or {}).get('containers') or []]
    if not any(r.get('requests') or r.get('limits') for r in resources):
        return 'BestEffort'
    if all(r.get('limits') and (r.get('requests') or r['limits']) == r['limits'] for r in resources):
        return 'Guaranteed'
    return 'Burstable'


def prepare_for_create(res: Resource, obj: Obj) -> None:
    """What each registry's strategy resets on create: status belongs to controllers and kubelets."""
    if res.name == 'pods':
        obj['status'] = {'phase': 'Pending', 'qosClass': _qos_class(obj)}
    elif res.name == 'namespaces':
        obj['spec'] = {'finalizers': ['kubernetes']}
        obj['status'] = {'phase': 'Active'}
    elif res.status and res.name != 'nodes':
        obj['status'] = {}


def validate(res: Resource, obj: Obj) -> None:
    """The first required fields the apiserver checks; 422 Invalid with its wording."""
    spec = obj.get('spec') or {}
    causes = []
    if res.name == 'pods':
        containers = spec.get('containers') or []
        if not containers:
            causes.append(required('spec.containers'))
        for i, container in enumerate(containers):
            for field in ('name', 'image'):
                if not container.get(field):
                    causes.append(required('spec.containers[%d].%s' % (i, field)))
    elif res.group == 'apps' and spec.get('selector') is None:
        causes.append(required('spec.selector'))
    if causes:
        raise invalid(res, (obj.get('metadata') or {}).get('name', ''), causes)


def check_patch_options(patch_type: str, manager: str, force: Optional[str], dry_run: list[str]) -> None:
    """ValidatePatchOptions (``apiserver/pkg/apis/meta/v1/validation/validation.go``): ``force`` only with apply,
    a field manager required for apply, ValidateFieldManager (at most 128 bytes, printable characters only) and
    ValidateDryRun (``All`` only); 422 on the PatchOptions kind."""
    causes = []
    if patch_type != APPLY_PATCH and force is not None:
        causes.append({'reason': 'FieldValueForbidden', 'field': 'force',
                       'message': 'Forbidden: may not be specified for non-apply patch'})
    if patch_type == APPLY_PATCH and not manager:
        causes.append(required('fieldManager', 'is required for apply patch'))
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append({'reason': 'FieldValueTooLong', 'field': 'fieldManager',
                       'message': 'Too long: may not be more than %d bytes' % FIELD_MANAGER_MAX_LENGTH})
    for position, char in enumerate(manager):
        if not char.isprintable():
            causes.append({'reason': 'FieldValueInvalid', 'field': 'fieldManager', 'message': (
                'Invalid value: %s: invalid character U+%04X (at position %d)' % (json.dumps(manager), ord(char),
                                                                                   position))})
    for value in dry_run:
        if value != DRY_RUN_ALL:
            causes.append({'reason': 'FieldValueNotSupported', 'field': 'dryRun', 'message': (
                'Unsupported value: %s: supported values: "%s"' % (json.dumps(value), DRY_RUN_ALL))})
    if causes:
        listed = ['%s: %s' % (c['field'], c['message']) for c in causes]
        summary = listed[0] if len(listed) == 1 else '[%s]' % ', '.join(listed)
        raise ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: %s' % summary,
                       {'group': 'meta.k8s.io', 'kind': 'PatchOptions', 'causes': causes})


class ApiServer:
    """kube-apiserver in front of a Store, over HTTPS with client-certificate authentication."""

    def __init__(self, store: Store, ssl_context: ssl.SSLContext, *, version_info: dict[str, Any],
                 authorize: Authorizer = masters_and_discovery, recorder: Optional[BudgetRecorder] = None) -> None:
        self.store = store
        self.version_info = version_info
        self.recorder = recorder
        self._authorize = authorize
        self._ssl = ssl_context
        self._ssl.set_alpn_protocols(['http/1.1'])
        self._available = True
        self._runner: Optional[web.AppRunner] = None
        self._watches: set[Any] = set()
        self.address = ''

    @property
    def serving(self) -> bool:
        return self._runner is not None

    def set_available(self, available: bool) -> None:
        """False: every request is answered 503 ServiceUnavailable (storage without quorum)."""
        self._available = available

    async def start(self, host: str, port: int) -> None:
        for namespace in SYSTEM_NAMESPACES:
            if not self.store.list('namespaces', field_selector='metadata.name=' + namespace)[0]:
                obj = {'metadata': {'name': namespace}}
                prepare_for_create(api_types.resource('namespaces'), obj)
                self.store.create('namespaces', obj)
        app = web.Application(client_max_size=3 * 1024 * 1024)
        app.router.add_route('*', '/{tail:.*}', self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, handler_cancellation=True,
                               shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port, ssl_context=self._ssl).start()
        self._runner = runner
        bound = runner.addresses[0]
        self.address = '%s:%d' % (('[%s]' % bound[0]) if ':' in bound[0] else bound[0], bound[1])

    async def stop(self) -> None:
        """Close the listener, end the watches and close every connection."""
        runner, self._runner = self._runner, None
        for watch in list(self._watches):
            watch.close()
        if runner is not None:
            await runner.cleanup()

    # ------------------------------------------------------------ request pipeline

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        user = '-'
        try:
            user, groups = self._authenticate(request)
            response = await self._serve(request, user, groups)
        except ApiError as err:
            response = _error(err)
        log.debug('%s %s %s -> %d', user, request.method, request.path_qs, response.status)
        return response

    @staticmethod
    def _authenticate(request: web.Request) -> tuple[str, tuple[str, ...]]:
        cert = request.transport.get_extra_info('peercert') if request.transport else None
        subject = [attr for rdn in (cert or {}).get('subject', ()) for attr in rdn]
        user = next((value for key, value in subject if key == 'commonName'), '')
        if not user:
            raise unauthorized()
        return user, tuple(value for key, value in subject if key == 'organizationName') + (AUTHENTICATED,)

    async def _serve(self, request: web.Request, user: str, groups: tuple[str, ...]) -> web.StreamResponse:
        parts = request.path.split('/')[1:]
        if parts[:2] == ['api', 'v1'] and len(parts) > 2:
            target = parse_resource_path('', 'v1', parts[2:])
        elif parts[0] == 'apis' and len(parts) > 3:
            target = parse_resource_path(parts[1], parts[2], parts[3:])
        else:
            target = None
        if target is None:
            attrs = Attributes(user, groups, request.method.lower(), request.path, False)
            if not self._authorize(attrs):
                raise forbidden_error(attrs, None)
            self._check_available()
            return self._non_resource(request, parts)
        watch = _flag(request.query.get('watch'))
        attrs = Attributes(user, groups, _verb(request.method, target, watch), request.path, True, target.res.group,
                           target.res.name, target.subresource,
                           target.namespace or (target.name if target.res.name == 'namespaces' else ''), target.name)
        if not self._authorize(attrs):
            raise forbidden_error(attrs, target.res)
        self._check_available()
        if watch and request.method == 'GET' and not target.subresource:
            return await self._watch(request, target)
        return await self._resource(request, target, attrs.verb)

    def _check_available(self) -> None:
        if not self._available:
            raise service_unavailable(UNAVAILABLE)

    def _non_resource(self, request: web.Request, parts: list[str]) -> web.Response:
        if request.method != 'GET':
            raise ApiError(404, 'NotFound', PAGE_NOT_FOUND, {})
        if request.path in HEALTH_PATHS:
            return web.Response(text='ok', content_type='text/plain')
        document: Optional[dict[str, Any]] = None
        if request.path == '/version':
            document = self.version_info
        elif parts == ['api']:
            document = api_types.api_versions(self.address)
        elif parts == ['api', 'v1']:
            document = api_types.resource_list('', 'v1')
        elif parts == ['apis']:
            document = api_types.api_group_list()
        elif len(parts) == 2 and parts[0] == 'apis':
            group = api_types.api_group(parts[1])
            document = dict({'kind': 'APIGroup', 'apiVersion': 'v1'}, **group) if group else None
        elif len(parts) == 3 and parts[0] == 'apis':
            document = api_types.resource_list(parts[1], parts[2])
        if document is None:
            raise ApiError(404, 'NotFound', PAGE_NOT_FOUND, {})
        return _json(document)

    # ------------------------------------------------------------ resources

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError as err:
            raise bad_request("couldn't get version/kind; json parse error: %s" % err) from err

    async def _resource(self, request: web.Request, target: Target, verb: str) -> web.Response:
        res, sub = target.res, target.subresource
        if sub == 'eviction':
            if verb != 'create':
                raise method_not_supported(res, verb)
            result = disruption.evict(self.store, target.namespace, target.name, await self._body(request),
                                      self.recorder)
            return _json(result, result['code'])
        if sub and verb not in api_types.STATUS_VERBS:
            raise method_not_supported(res, verb)
        handler = {'get': self._get, 'list': self._list, 'create': self._create, 'update': self._update,
                   'patch': self._patch, 'delete': self._delete, 'deletecollection': self._delete_collection}.get(verb)
        if handler is None or (verb == 'create' and target.name):
            raise method_not_supported(res, verb)
        return await handler(request, target)

    def _table_or(self, request: web.Request, res: Resource, objects: list[Obj], rv: str,
                  otherwise: dict[str, Any]) -> web.Response:
        if not _wants_table(request.headers.get('Accept', '')):
            return _json(otherwise)
        try:
            table = tables.table(res.name, objects, rv, request.query.get('includeObject', 'Metadata'))
        except ValueError as err:
            raise bad_request(str(err)) from err
        return _json(table, content_type=tables.TABLE_CONTENT_TYPE)

    async def _get(self, request: web.Request, target: Target) -> web.Response:
        obj = self.store.get(target.res.name, target.namespace, target.name)
        return self._table_or(request, target.res, [obj], obj['metadata']['resourceVersion'], obj)

    async def _list(self, request: web.Request, target: Target) -> web.Response:
        res = target.res
        items, rv = self.store.list(res.name, target.namespace or None, request.query.get('labelSelector', ''),
                                    request.query.get('fieldSelector', ''))
        typed = [{k: v for k, v in item.items() if k not in ('kind', 'apiVersion')} for item in items]
        listed = {'kind': res.kind + 'List', 'apiVersion': res.group_version, 'metadata': {'resourceVersion': rv},
                  'items': typed}
        return self._table_or(request, res, items, rv, listed)

    async def _create(self, request: web.Request, target: Target) -> web.Response:
        res = target.res
        obj = await self._body(request)
        if not isinstance(obj, dict):
            raise bad_request('the body of the request is not a %s object' % res.kind)
        meta = obj.setdefault('metadata', {})
        if res.namespaced:
            if meta.get('namespace') and meta['namespace'] != target.namespace:
                raise bad_request('the namespace of the provided object does not match the namespace sent on the '
                                  'request')
            meta['namespace'] = target.namespace
            self.store.get('namespaces', None, target.namespace)  # NamespaceLifecycle: 404 when it does not exist
        validate(res, obj)
        prepare_for_create(res, obj)
        return _json(self.store.create(res.name, obj), 201)

    async def _update(self, request: web.Request, target: Target) -> web.Response:
        obj = await self._body(request)
        if not isinstance(obj, dict):
            raise bad_request('the body of the request is not a %s object' % target.res.kind)
        meta = obj.setdefault('metadata', {})
        if meta.get('name') != target.name:
            raise bad_request('the name of the object (%s) does not match the name on the URL (%s)'
                              % (meta.get('name', ''), target.name))
        if target.res.namespaced:
            meta['namespace'] = target.namespace
        if target.subresource != 'status':
            validate(target.res, obj)
        return _json(self.store.update(target.res.name, obj, target.subresource or None))

    async def _patch(self, request: web.Request, target: Target) -> web.Response:
        query = request.query
        if request.content_type not in PATCH_TYPES + (APPLY_PATCH,):
            raise unsupported_media_type(request.content_type)
        check_patch_options(request.content_type, query.get('fieldManager', ''), query.get('force'),
                            query.getall('dryRun', []))
        if request.content_type == APPLY_PATCH:
            return await self._apply(request, target)
        body = await self._body(request)
        return _json(self.store.patch(target.res.name, target.namespace, target.name, body, request.content_type,
                                      target.subresource or None))

    async def _apply(self, request: web.Request, target: Target) -> web.Response:
        """patch.go:applyPatcher: the applied configuration (YAML, or JSON as YAML's subset) merged into the
        object, or the object created from it (201) when missing (simulator.kube.server_side_apply)."""
        res = target.res
        if target.subresource:
            raise method_not_supported(res, 'apply')  # talos-sim applies to the main resource only
        try:
            applied = yaml.safe_load(await request.read())
        except yaml.YAMLError as err:
            raise bad_request('error decoding YAML: %s' % err) from err
        if not isinstance(applied, dict):
            raise bad_request('the body of the request is not a %s object' % res.kind)
        if (applied.get('apiVersion'), applied.get('kind')) != (res.group_version, res.kind):
            raise bad_request('the body of the request is a %s %s, the URL names %s %s' % (
                applied.get('apiVersion'), applied.get('kind'), res.group_version, res.kind))
        meta = applied.setdefault('metadata', {})
        if meta.get('name') != target.name:
            raise bad_request('the name of the object (%s) does not match the name on the URL (%s)'
                              % (meta.get('name', ''), target.name))
        if res.namespaced:
            if meta.get('namespace') and meta['namespace'] != target.namespace:
                raise bad_request('the namespace of the provided object does not match the namespace sent on the '
                                  'request')
            meta['namespace'] = target.namespace
        dry_run = DRY_RUN_ALL in request.query.getall('dryRun', [])
        try:
            live: Optional[Obj] = self.store.get(res.name, target.namespace, target.name)
        except ApiError as err:
            if err.code != 404:
                raise
            live = None
        merged = server_side_apply.apply(live, applied, request.query['fieldManager'],
                                         _flag(request.query.get('force')), schema_for(res.name), now_rfc3339())
        validate(res, merged)
        if live is None:
            if res.namespaced:
                self.store.get('namespaces', None, target.namespace)  # NamespaceLifecycle
            prepare_for_create(res, merged)
            return _json(self.store.create(res.name, merged, dry_run), 201)
        return _json(self.store.update(res.name, merged, dry_run=dry_run))

    async def _delete(self, request: web.Request, target: Target) -> web.Response:
        await self._body(request)  # DeleteOptions: accepted; deletion is immediate, propagation not emulated
        deleted = self.store.delete(target.res.name, target.namespace, target.name)
        if target.res.name == 'namespaces':  # what the namespace controller does once the namespace terminates
            for res in api_types.RESOURCES.values():
                if res.namespaced:
                    for obj in self.store.list(res.name, target.name)[0]:
                        self.store.delete(res.name, target.name, obj['metadata']['name'])
        return _json(deleted)

    async def _delete_collection(self, request: web.Request, target: Target) -> web.Response:
        res = target.res
        items, _rv = self.store.list(res.name, target.namespace or None, request.query.get('labelSelector', ''),
                                     request.query.get('fieldSelector', ''))
        deleted = [self.store.delete(res.name, i['metadata'].get('namespace'), i['metadata']['name']) for i in items]
        return _json({'kind': res.kind + 'List', 'apiVersion': res.group_version,
                      'metadata': {'resourceVersion': self.store.revision}, 'items': deleted})

    # ------------------------------------------------------------ watches

    async def _watch(self, request: web.Request, target: Target) -> web.StreamResponse:
        query = request.query
        try:
            timeout = float(query.get('timeoutSeconds') or WATCH_TIMEOUT)
        except ValueError as err:
            raise bad_request('invalid timeoutSeconds: %s' % query.get('timeoutSeconds')) from err
        field_selector = query.get('fieldSelector', '')
        if target.name:  # a watch on one object is a watch on its name
            field_selector = ','.join(filter(None, [field_selector, 'metadata.name=' + target.name]))
        response = web.StreamResponse(status=200, headers={'Content-Type': JSON})
        response.enable_chunked_encoding()
        try:
            watch = self.store.watch(target.res.name, target.namespace or None, query.get('labelSelector', ''),
                                     field_selector, query.get('resourceVersion'))
        except ApiError as err:
            if err.code != 410:
                raise
            await response.prepare(request)
            await response.write(json.dumps({'type': 'ERROR', 'object': err.status()}).encode() + b'\n')
            await response.write_eof()
            return response
        self._watches.add(watch)
        as_table = _wants_table(request.headers.get('Accept', ''))  # kubectl get -w: every event's object a Table
        include_object = query.get('includeObject', 'Metadata')
        await response.prepare(request)
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    kind, obj = await asyncio.wait_for(watch.__anext__(), remaining)
                except (asyncio.TimeoutError, StopAsyncIteration):
                    break
                if as_table:
                    obj = tables.table(target.res.name, [obj], obj['metadata']['resourceVersion'], include_object)
                await response.write(json.dumps({'type': kind, 'object': obj}).encode() + b'\n')
        finally:
            watch.close()
            self._watches.discard(watch)
        await response.write_eof()
        return response
