# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Status errors as kube-apiserver words them (kubernetes v1.34.0
``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go``: NewNotFound, NewAlreadyExists, NewConflict,
NewInvalid, ...): an ``ApiError`` is answered as a metav1.Status with its code, reason, message and details."""

from __future__ import annotations

from typing import Any, Optional

from simulator.kube.api_types import Resource
from simulator.kube.patches import PATCH_TYPES

CONFLICT_DETAIL = 'the object has been modified; please apply your changes to the latest version and try again'


class ApiError(Exception):
    """A failure the API answers with a metav1.Status (``code`` is the HTTP status)."""

    def __init__(self, code: int, reason: str, message: str, details: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        """The Status object, fields in metav1.Status's order, empty ones left out as Go's omitempty does."""
        body: dict[str, Any] = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure'}
        if self.message:
            body['message'] = self.message
        if self.reason:
            body['reason'] = self.reason
        if self.details is not None:
            body['details'] = {k: v for k, v in self.details.items() if v not in ('', None, [], 0)}
        body['code'] = self.code
        return body


def _details(res: Optional[Resource], name: str = '', **extra: Any) -> dict[str, Any]:
    return dict(name=name, group=res.group if res else '', kind=res.name if res else '', **extra)


def not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, 'NotFound', '%s "%s" not found' % (res.qualified, name), _details(res, name))


def already_exists(res: Resource, name: str) -> ApiError:
    return ApiError(409, 'AlreadyExists', '%s "%s" already exists' % (res.qualified, name), _details(res, name))


def conflict(res: Resource, name: str, detail: str = CONFLICT_DETAIL) -> ApiError:
    return ApiError(409, 'Conflict', 'Operation cannot be fulfilled on %s "%s": %s' % (res.qualified, name, detail),
                    _details(res, name))


def invalid(res: Resource, name: str, causes: list[dict[str, str]]) -> ApiError:
    """422 Invalid; ``causes`` as field.Error gives them: reason (e.g. FieldValueRequired), message, field."""
    qualified_kind = '%s.%s' % (res.kind, res.group) if res.group else res.kind
    listed = ['%s: %s' % (c['field'], c['message']) for c in causes]
    summary = listed[0] if len(listed) == 1 else '[%s]' % ', '.join(listed)  # utilerrors.Aggregate's wording
    return ApiError(422, 'Invalid', '%s "%s" is invalid: %s' % (qualified_kind, name, summary),
                    {'name': name, 'group': res.group, 'kind': res.kind, 'causes': causes})


def required(field: str, detail: str = '') -> dict[str, str]:
    """A field.Required error as a StatusCause."""
    return {'reason': 'FieldValueRequired', 'message': 'Required value' + (': ' + detail if detail else ''),
            'field': field}


def bad_request(message: str) -> ApiError:
    return ApiError(400, 'BadRequest', message)


def unauthorized(message: str = 'Unauthorized') -> ApiError:
    return ApiError(401, 'Unauthorized', message)


def forbidden(res: Optional[Resource], name: str, why: str, resource_name: str = '') -> ApiError:
    """403 as NewForbidden words it; ``resource_name`` stands for a resource that is not served."""
    qualified = res.qualified if res else resource_name
    message = ('forbidden: %s' % why if not qualified else
               '%s is forbidden: %s' % (qualified, why) if not name else
               '%s "%s" is forbidden: %s' % (qualified, name, why))
    return ApiError(403, 'Forbidden', message, _details(res, name) if res else {'name': name, 'kind': qualified})


def too_many_requests(message: str, causes: Optional[list[dict[str, str]]] = None) -> ApiError:
    return ApiError(429, 'TooManyRequests', message, {'causes': causes or []})


def method_not_supported(res: Resource, action: str) -> ApiError:
    return ApiError(405, 'MethodNotAllowed', '%s is not supported on resources of kind "%s"' % (action, res.qualified),
                    _details(res))


def service_unavailable(message: str) -> ApiError:
    return ApiError(503, 'ServiceUnavailable', message)


def expired(message: str) -> ApiError:
    return ApiError(410, 'Expired', message)


def unsupported_media_type(content_type: str) -> ApiError:
    """The patch handler's refusal (``apiserver/pkg/endpoints/handlers/patch.go:PatchResource``)."""
    return ApiError(415, 'UnsupportedMediaType',
                    'the body of the request was in an unknown format - accepted media types include: '
                    + ', '.join(PATCH_TYPES + ('application/apply-patch+yaml',)), {})
