# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes API through the official ``kubernetes`` client: the few calls a drain makes, as plain JSON.

The library is imported only when a task talks to Kubernetes, so the collection works without it
until then. It is synchronous: every call runs in a worker thread (``asyncio.to_thread``) so the
Talos calls of the same operation keep going. Key material never stays on disk longer than the
client: the kubeconfig's embedded certificates and keys are written to a private 0700 directory
that is removed when the client closes. Errors become ``KubeError`` naming the API server, the
kubeconfig user and what was refused.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import shutil
import tempfile
from typing import Any, Awaitable, Optional, TypeVar
from urllib.parse import quote

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

# (connect, read) seconds for one request: an API server that does not answer fails the call, not the task's clock.
REQUEST_TIMEOUT = (10.0, 30.0)
# Answers of an API server (or of the load balancer before it) that is there but cannot serve right now; with
# no answer at all, worth asking again. upgrade-k8s retries on siderolabs/go-kubernetes kubernetes/errors.go:
# IsRetryableError @ 0caf1f2 (Timeout 504, ServerTimeout and InternalError 500, EOF, connection refused or reset,
# network timeouts); 429 TooManyRequests, 502 and 503 are added here: a busy API server and a load balancer
# without a ready backend, which upgrade-k8s's pod informer rides out by logging every watch error.
TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))
# The patch type of the generated clients for a patch that is an object (kubectl's default for built-in kinds).
STRATEGIC_MERGE = 'application/strategic-merge-patch+json'
# kubeconfig fields that hold base64 data, and the file field the client reads instead.
_DATA_FIELDS = {
    'clusters': (('cluster', 'certificate-authority-data', 'certificate-authority'),),
    'users': (('user', 'client-certificate-data', 'client-certificate'),
              ('user', 'client-key-data', 'client-key')),
}


class KubeError(TalosError):
    """Kubernetes refused or could not be asked. ``status`` is the HTTP status, when there was an answer."""

    def __init__(self, message: str, *, status: Optional[int] = None, causes: Optional[list[str]] = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status = status
        self.causes = causes or []

    @property
    def explanation(self) -> str:
        """The API server's message followed by its causes (a refused eviction names the budget only there)."""
        return ' '.join([self.message] + self.causes)

    @property
    def transient(self) -> bool:
        """Whether asking again later may succeed: no answer at all (refused, reset, timed out) or a status of
        TRANSIENT_STATUSES. Anything else (401, 403, 404, 409, 422, ...) says the same again."""
        return self.status is None or self.status in TRANSIENT_STATUSES


T = TypeVar('T')


async def unless_missing(call: Awaitable[T]) -> Optional[T]:
    """The answer of a read; None when the object is not there (404). Any other error is raised."""
    try:
        return await call
    except KubeError as exc:
        if exc.status == 404:
            return None
        raise


def _library(purpose: str) -> Any:
    """The ``kubernetes`` package, or a KubeError naming what needs it and how to install it."""
    try:
        import kubernetes  # pylint: disable=import-outside-toplevel
        import kubernetes.client  # pylint: disable=import-outside-toplevel,unused-import
        import kubernetes.config  # pylint: disable=import-outside-toplevel,unused-import
        import kubernetes.dynamic  # pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        raise KubeError(missing_required_lib('kubernetes', reason=purpose) +
                        ' (pip install kubernetes)') from None
    return kubernetes


def load_early() -> None:
    """Import the library and the classes a ``KubeClient`` builds, when the library is there.

    For the action plugins of modules that may drain: loaded in Ansible's controller, the library is inherited
    by every worker Ansible forks for a task, which would otherwise import it again (about half a second here).
    Without the library nothing happens: a task that needs it fails with the missing-library message when it
    runs."""
    try:
        kubernetes = _library('')
    except KubeError:
        return
    for name in ('ApiClient', 'Configuration'):
        getattr(kubernetes.client, name)


def api_path(*segments: str) -> str:
    """A URL path of the Kubernetes API from its segments, names escaped (``/api/v1/nodes/<name>``)."""
    return '/' + '/'.join(quote(segment, safe='') for segment in segments)


def _requests(kubernetes: Any, api: Any) -> Any:
    """The library's generic request (``kubernetes.dynamic.DynamicClient.request``) on ``api``.

    The generated API classes (``CoreV1Api`` and the like) are not used: loading them costs about a second in
    kubernetes 37 (it builds a pydantic model per type they name), more than all the calls of a drain. The
    dynamic client's ``request`` sends any method to any path through the same ``ApiClient`` (configuration,
    credentials, TLS, errors as ``ApiException``) across the supported versions of the library; building it
    here skips its API discovery, which these known paths do not need."""
    class Requests(kubernetes.dynamic.DynamicClient):
        def __init__(self, client: Any) -> None:  # pylint: disable=super-init-not-called
            self.client = client
            self.configuration = client.configuration

    return Requests(api)


def _current_user(config: dict[str, Any]) -> str:
    current = config.get('current-context')
    for context in config.get('contexts') or []:
        if context.get('name') == current:
            return (context.get('context') or {}).get('user') or ''
    return ''


def _with_files(config: dict[str, Any], directory: str) -> dict[str, Any]:
    """A copy of ``config`` whose embedded certificates and keys are files in ``directory``.

    The library would write them itself, but to temporary files it keeps in a process-wide cache
    keyed by content: a second client in the same process would get paths of a removed directory.
    """
    config = copy.deepcopy(config)
    for section, fields in _DATA_FIELDS.items():
        for index, entry in enumerate(config.get(section) or []):
            for holder, data_field, file_field in fields:
                values = (entry or {}).get(holder) or {}
                if not values.get(data_field):
                    continue
                try:
                    data = base64.b64decode(values.pop(data_field), validate=True)
                except ValueError:
                    raise KubeError('kubeconfig: %s[%d].%s.%s is not base64' % (
                        section, index, holder, data_field)) from None
                path = os.path.join(directory, '%s-%d-%s' % (section, index, file_field))
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, 'wb') as f:
                    f.write(data)
                values[file_field] = path
    return config


class KubeClient:
    """One API server from one kubeconfig (its current context). Use as ``async with``.

    ``purpose`` completes the missing-library error ("This is required <purpose>"), e.g. ``for the drain option``.
    """

    def __init__(self, config: dict[str, Any], purpose: str) -> None:
        self.config = config
        self.purpose = purpose
        self.user = _current_user(config)
        self.server = ''
        self._directory: Optional[str] = None
        self._api: Any = None
        self._requests: Any = None
        self._rest_errors: tuple[type, ...] = ()

    async def __aenter__(self) -> 'KubeClient':
        kubernetes = _library(self.purpose)
        self._directory = tempfile.mkdtemp(prefix='talos-kube-')  # 0700
        try:
            configuration = kubernetes.client.Configuration()
            kubernetes.config.load_kube_config_from_dict(
                _with_files(self.config, self._directory), client_configuration=configuration,
                persist_config=False, temp_file_path=self._directory)
        except (kubernetes.config.ConfigException, KeyError, TypeError, ValueError) as exc:
            self._remove_files()
            raise KubeError('kubeconfig: %s' % exc) from None
        except BaseException:
            self._remove_files()
            raise
        self.server = configuration.host
        self._api = kubernetes.client.ApiClient(configuration)
        self._requests = _requests(kubernetes, self._api)
        import urllib3  # pylint: disable=import-outside-toplevel  # the kubernetes client's HTTP library
        self._rest_errors = (kubernetes.client.exceptions.ApiException, urllib3.exceptions.HTTPError, OSError)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._api is not None:
            self._api.close()
        self._remove_files()

    def _remove_files(self) -> None:
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _error(self, exc: Exception, what: str) -> KubeError:
        status = getattr(exc, 'status', None)
        if not isinstance(status, int) or not status:
            # urllib3 wraps the cause in "Max retries exceeded with url ...": the cause alone says what happened.
            cause = getattr(exc, 'reason', None) or exc
            return KubeError('cannot reach the Kubernetes API at %s to %s: %s' % (self.server, what, cause))
        body = _status_body(getattr(exc, 'body', None))
        message = body.get('message') or '%s %s' % (status, getattr(exc, 'reason', '') or '')
        causes = [cause.get('message') for cause in (body.get('details') or {}).get('causes') or []
                  if isinstance(cause, dict) and cause.get('message')]
        if status == 401:
            message = 'the Kubernetes API at %s did not accept the credentials of kubeconfig user "%s" ' \
                      '(401 Unauthorized): %s' % (self.server, self.user, message)
        elif status == 403:
            message = 'the Kubernetes API at %s refused to %s for kubeconfig user "%s" (403 Forbidden): %s' % (
                self.server, what, self.user, message)
        return KubeError(message, status=status, causes=causes)

    async def _request(self, what: str, method: str, path: str, **params: Any) -> Any:
        """``method`` on ``path`` (see ``api_path``), in a worker thread; ``params`` as the dynamic client's
        ``request`` takes them (``body``, ``query_params``, ``field_selector``, ``label_selector``,
        ``field_manager``, ``content_type``). The answer's JSON (None when it has no body)."""
        def call() -> Any:
            response = self._requests.request(method, path, serialize=False, _request_timeout=REQUEST_TIMEOUT,
                                              **params)
            data = response.data if hasattr(response, 'data') else response.read()
            return json.loads(data) if data else None
        try:
            return await asyncio.to_thread(call)
        except self._rest_errors as exc:
            raise self._error(exc, what) from None

    # The calls a drain makes.

    async def node(self, name: str) -> dict[str, Any]:
        return await self._request('get node %s' % name, 'get', api_path('api', 'v1', 'nodes', name))

    async def patch_node(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        return await self._request('patch node %s' % name, 'patch', api_path('api', 'v1', 'nodes', name),
                                   body=patch, content_type=STRATEGIC_MERGE)

    async def pods_on_node(self, name: str) -> list[dict[str, Any]]:
        listed = await self._request('list the pods of node %s' % name, 'get', api_path('api', 'v1', 'pods'),
                                     field_selector='spec.nodeName=%s' % name)
        return listed.get('items') or []

    async def pod(self, namespace: str, name: str) -> dict[str, Any]:
        return await self._request('get pod %s/%s' % (namespace, name), 'get',
                                   api_path('api', 'v1', 'namespaces', namespace, 'pods', name))

    async def evict(self, namespace: str, name: str) -> None:
        body = {'apiVersion': 'policy/v1', 'kind': 'Eviction', 'metadata': {'name': name, 'namespace': namespace}}
        await self._request('evict pod %s/%s' % (namespace, name), 'post',
                            api_path('api', 'v1', 'namespaces', namespace, 'pods', name, 'eviction'), body=body)

    async def daemonset(self, namespace: str, name: str) -> dict[str, Any]:
        return await self._request('get daemonset %s/%s' % (namespace, name), 'get',
                                   api_path('apis', 'apps', 'v1', 'namespaces', namespace, 'daemonsets', name))


def _status_body(body: Any) -> dict[str, Any]:
    """The Status object of an error answer (empty when the body is something else)."""
    if isinstance(body, bytes):
        body = body.decode('utf-8', errors='replace')
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
