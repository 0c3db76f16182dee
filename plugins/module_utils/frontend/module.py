# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every talos.linux module shares: connection options, client factory, error reporting.

Private module: free to change between releases.
"""

from __future__ import annotations

import traceback
from typing import Any, Awaitable, Callable, TypeVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils.client import pki, resources, talosconfig, transport
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import (ConnectionSettings,
                                                                                    settings_from_options)
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

T = TypeVar('T')

# Keep in sync with plugins/doc_fragments/connection.py.
CONNECTION_ARGSPEC: dict[str, dict[str, Any]] = {
    'talosconfig': {'type': 'path'},
    'context': {'type': 'str'},
    'endpoints': {'type': 'list', 'elements': 'str'},
    'ca': {'type': 'str'},
    'client_cert': {'type': 'str'},
    'client_key': {'type': 'str', 'no_log': True},
    'insecure': {'type': 'bool', 'default': False},
    'cert_fingerprint': {'type': 'str'},
    'timeout': {'type': 'float', 'default': 30.0},
}

# (available?, pip name) of every library the client needs.
_LIBRARIES = (
    (transport.HAS_GRPCLIB, 'grpclib'),
    (machine_pb2.HAS_PROTOBUF, 'protobuf'),
    (pki.HAS_CRYPTOGRAPHY, 'cryptography'),
    (talosconfig.HAS_YAML and resources.HAS_YAML, 'PyYAML'),
)


class TalosModule:
    """An AnsibleModule with the connection options and one way to run client calls and fail."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = dict(CONNECTION_ARGSPEC)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        for available, name in _LIBRARIES:
            if not available:
                self.module.fail_json(msg=missing_required_lib(name))

    def connection_settings(self, nodes: list[str] | None = None) -> ConnectionSettings:
        options = {name: self.params.get(name) for name in CONNECTION_ARGSPEC}
        options['nodes'] = nodes
        try:
            return settings_from_options(options)
        except TalosError as exc:
            self.fail(exc)
            raise  # not reached: fail_json exits

    def fail(self, exc: TalosError, **result: Any) -> None:
        self.module.fail_json(msg=str(exc), grpc_code=exc.code, node=exc.node, endpoint=exc.endpoint, **result)

    def run(self, settings: ConnectionSettings, work: Callable[[TalosClient], Awaitable[T]]) -> T:
        """Run ``work(client)`` on a fresh client; a TalosError fails the module with its details."""
        async def with_client() -> T:
            async with TalosClient(settings) as client:
                return await work(client)
        try:
            return transport.run(with_client())
        except TalosError as exc:
            self.fail(exc)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self.module.fail_json(msg='unexpected error: %s' % exc, exception=traceback.format_exc())
        raise AssertionError('not reached')
