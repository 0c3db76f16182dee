# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import importlib
import inspect
import pathlib

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ansible_collections.talos.linux.plugins.module_utils._api.common import common_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client import errors
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.transport import Transport

PLUGINS = pathlib.Path(errors.__file__).resolve().parents[2]  # plugins/
# Classes the walk must find: proof that it looked into every layer (a broken walk finds nothing).
KNOWN = {'TalosError', 'SequenceLocked', 'PKIError', 'TalosconfigError', 'FileError', 'MachineConfigError',
         'ConfigError', 'PatchError', 'SecretsError', 'JSONPatchError', 'ModeError', 'SnapshotError', 'BoltError',
         'KubeconfigError', 'ClientConfigError'}


def collection_exceptions() -> dict[str, type]:
    """Every exception class defined anywhere under plugins/, by qualified name."""
    found = {}
    for path in sorted(PLUGINS.rglob('*.py')):
        parts = path.relative_to(PLUGINS.parent).with_suffix('').parts
        name = '.'.join(('ansible_collections', 'talos', 'linux') + parts)
        for cls in list(vars(importlib.import_module(name)).values()):
            if inspect.isclass(cls) and cls.__module__ == name and issubclass(cls, BaseException):
                found['%s.%s' % (name, cls.__qualname__)] = cls
    return found


def test_every_exception_of_the_collection_is_a_talos_error():
    found = collection_exceptions()
    assert KNOWN <= {cls.__name__ for cls in found.values()}
    errors = {name: cls for name, cls in found.items() if issubclass(cls, Exception)}
    assert [name for name, cls in errors.items() if not issubclass(cls, TalosError)] == []
    # Not an error: a module's exit in the worker, a BaseException as SystemExit is (so no handler catches it).
    assert [cls.__name__ for name, cls in found.items() if name not in errors] == ['ModuleExit']


def test_a_partial_result_rides_with_the_error():
    exc = TalosError('installer exited with code 1', node='10.0.0.2', result={'changed': True})
    assert exc.result == {'changed': True} and TalosError('x').result is None
    assert str(exc) == 'node 10.0.0.2: installer exited with code 1', 'the result is data, not message'


def test_message_names_node_endpoint_and_code():
    exc = TalosError('connection refused', code='UNAVAILABLE', node='10.0.0.2', endpoint='10.0.0.1')
    assert str(exc) == 'node 10.0.0.2, via endpoint 10.0.0.1: connection refused (gRPC UNAVAILABLE)'
    assert exc.retryable
    assert not TalosError('x', code='PERMISSION_DENIED').retryable


@pytest.fixture
def transport():
    return Transport(ConnectionSettings(endpoints=['10.0.0.1'], insecure=True))


def test_permission_denied_names_method_and_roles(transport):
    transport.roles = ['os:reader']
    exc = transport._grpc_error(GRPCError(Status.PERMISSION_DENIED, 'not authorized'), MachineService.Reboot,
                                '10.0.0.2', '10.0.0.1')
    assert exc.code == 'PERMISSION_DENIED' and exc.node == '10.0.0.2'
    assert 'Reboot is not allowed for the client certificate roles (os:reader)' in str(exc)


def test_the_nodes_copy_of_our_deadline_is_still_a_deadline(transport):
    """grpc-go hands a handler's bare context error back as UNKNOWN; when the node's copy of our grpc-timeout
    fires first, that is what arrives instead of our own DEADLINE_EXCEEDED."""
    exc = transport._grpc_error(GRPCError(Status.UNKNOWN, 'reading: context deadline exceeded'),
                                MachineService.Version, '10.0.0.2', '10.0.0.1', 0.5)
    assert exc.code == 'DEADLINE_EXCEEDED'
    assert 'Version: no answer within 0.5s (reading: context deadline exceeded)' in str(exc)
    other = transport._grpc_error(GRPCError(Status.UNKNOWN, 'disk full'), MachineService.Version,
                                  '10.0.0.2', '10.0.0.1', 0.5)
    assert other.code == 'UNKNOWN'


def test_per_node_error_inside_ok_reply_is_raised(transport):
    reply = machine_pb2.VersionResponse(messages=[machine_pb2.Version(
        metadata=common_pb2.Metadata(hostname='10.0.0.3', error='connection refused'))])
    reply.messages[0].metadata.status.code = Status.UNAVAILABLE.value
    with pytest.raises(TalosError) as info:
        transport._check_reply(reply, None, '10.0.0.1')
    assert info.value.node == '10.0.0.3' and info.value.code == 'UNAVAILABLE'


def test_clean_reply_passes(transport):
    reply = machine_pb2.VersionResponse(messages=[machine_pb2.Version(version=machine_pb2.VersionInfo(tag='v1'))])
    transport._check_reply(reply, None, '10.0.0.1')
