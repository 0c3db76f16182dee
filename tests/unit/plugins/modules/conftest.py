# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's real ``main()`` the way Ansible does, with the Talos client faked at its seam.

``run(module, check=..., diff=..., **args)`` sets the module arguments (``patch_module_args`` on
ansible-core >= 2.19, ``basic._ANSIBLE_ARGS`` before), calls ``main()``, catches SystemExit and
returns the JSON the module printed. ``talos`` is the fake fleet: every ``TalosClient`` the
collection constructs becomes a ``FakeClient`` that answers the real client's methods (same names,
same signatures) from canned replies shaped like client/client.py's, and records each call with its
arguments bound by name (defaults filled in). ``talos.mutations`` lists the calls that change a node.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import sys
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.tests.unit.return_docs import return_spec, undocumented

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
except ImportError:  # older ansible-core: set the arguments AnsibleModule reads
    patch_module_args = None

ENDPOINT = '10.5.0.2'
BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id'
MACHINE_STATUS = ('runtime', 'MachineStatuses.runtime.talos.dev', 'machine')
MACHINE_TYPE = ('config', 'MachineTypes.config.talos.dev', 'machine-type')
HOSTNAME = ('network', 'HostnameStatuses.net.talos.dev', 'hostname')
SERVICES = ('runtime', 'Services.v1alpha1.talos.dev')
COLLECTION = 'ansible_collections.talos.linux.plugins.'

# TalosClient methods that change a node (and apply_configuration unless dry_run); check mode calls none.
MUTATING = frozenset([
    'meta_write', 'meta_delete', 'service_start', 'service_stop', 'service_restart', 'etcd_alarm_disarm',
    'etcd_defragment', 'etcd_remove_member', 'etcd_leave_cluster', 'etcd_forfeit_leadership', 'etcd_recover',
    'bootstrap', 'reboot', 'shutdown', 'reset', 'rollback', 'upgrade_legacy', 'image_pull', 'lifecycle_upgrade',
])


def resource(namespace: str, resource_type: str, resource_id: str, spec: Any) -> dict[str, Any]:
    """A resource as ``resources.resource_to_dict`` returns it."""
    return {'metadata': {'namespace': namespace, 'type': resource_type, 'id': resource_id, 'version': 1,
                         'owner': '', 'phase': 'running', 'created': None, 'updated': None, 'labels': {},
                         'annotations': {}, 'finalizers': []},
            'spec': spec}


def service(service_id: str, state: str = 'Running', healthy: bool = True) -> dict[str, Any]:
    """A service as ``TalosClient.service_list`` returns it."""
    return {'id': service_id, 'state': state, 'healthy': healthy, 'health_unknown': False,
            'message': 'Health check successful' if healthy else '',
            'events': ['Health check successful'] if healthy else []}


def member(member_id: int, address: str) -> dict[str, Any]:
    """An etcd member as ``TalosClient.etcd_members`` returns it (hostname = address, as talos-sim names them)."""
    return {'id': member_id, 'hostname': address, 'peer_urls': ['https://%s:2380' % address],
            'client_urls': ['https://%s:2379' % address], 'learner': False}


class FakeTalos:
    """The nodes behind the fake client: one node model answering for every node, overridable per method.

    ``reply(method, answer)`` overrides a method: ``answer`` is returned (a stream yields its items), raised
    when it is an exception, or called with the call's arguments by name when callable.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.clients: list[Any] = []  # ConnectionSettings of every client opened
        self.roles = ['os:admin']
        self.replies: dict[str, Any] = {}
        self.version = 'v1.14.0'
        self.pending_version: str | None = None  # installed by an upgrade, run after the next reboot
        self.boots = 1
        self.resources = {
            MACHINE_STATUS: {'stage': 'running', 'status': {'ready': True, 'unmetConditions': []}},
            HOSTNAME: {'hostname': 'talos-1', 'domainname': ''},
        }
        self.machine_type = 'worker'
        self.services = [service('apid'), service('kubelet'), service('machined')]
        self.members = [member(1, '10.5.0.2'), member(2, '10.5.0.3'), member(3, '10.5.0.4')]
        self.leader = 1
        self.etcd_down: set[str] = set()  # nodes whose EtcdStatus does not answer
        self.configs: dict[str, str | None] = {'v1alpha1': None, 'persistent': None}
        self.kubeconfig_archive = b''

    resource = staticmethod(resource)
    member = staticmethod(member)
    service = staticmethod(service)

    def reply(self, method: str, answer: Any) -> None:
        getattr(TalosClient, method)  # only what the real client offers
        self.replies[method] = answer

    def called(self, method: str) -> list[dict[str, Any]]:
        return [arguments for name, arguments in self.calls if name == method]

    @property
    def mutations(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, arguments) for name, arguments in self.calls
                if name in MUTATING or (name == 'apply_configuration' and not arguments['dry_run'])]

    def answer(self, method: str, arguments: dict[str, Any]) -> Any:
        if method in self.replies:
            answer = self.replies[method]
        else:
            answer = getattr(self, '_' + method, None)
            if answer is None:
                raise AssertionError('the fake has no reply for TalosClient.%s%r' % (method, arguments))
        if isinstance(answer, BaseException):
            raise answer
        return answer(**arguments) if callable(answer) else answer

    # Reads, from the node model.

    @property
    def boot_id(self) -> str:
        return 'boot-%d' % self.boots

    def _version(self, node):
        return {'tag': self.version, 'sha': 'f00dfeed', 'built': '', 'go_version': 'go1.24.6', 'os': 'linux',
                'arch': 'amd64', 'platform': {'name': 'metal', 'mode': 'metal'}, 'rbac': True}

    def _hostname(self, node):
        return self.resources[HOSTNAME]['hostname']

    def _read_file(self, path, node, limit):
        if path != BOOT_ID_PATH:
            raise TalosError('open %s: no such file or directory' % path, code='NOT_FOUND', node=node)
        return (self.boot_id + '\n').encode()

    def _all_resources(self) -> dict[tuple[str, str, str], Any]:
        found = dict(self.resources)
        found[MACHINE_TYPE] = self.machine_type
        for entry in self.services:
            spec = {'running': entry['state'] == 'Running', 'healthy': entry['healthy'],
                    'unknown': entry['health_unknown']}
            found[SERVICES + (entry['id'],)] = spec
        return found

    def _get_resource(self, namespace, resource_type, resource_id, node):
        spec = self._all_resources().get((namespace, resource_type, resource_id))
        if spec is None:
            raise TalosError('resource %s(%s/%s) not found' % (resource_type, namespace, resource_id),
                             code='NOT_FOUND', node=node)
        return resource(namespace, resource_type, resource_id, spec)

    def _list_resources(self, namespace, resource_type, node):
        return [resource(*key, spec) for key, spec in self._all_resources().items()
                if key[:2] == (namespace, resource_type)]

    def _machine_config(self, resource_id, node):
        return self.configs.get(resource_id)

    def _service_list(self, node):
        return [dict(entry) for entry in self.services]

    def _etcd_members(self, node, query_local):
        return [dict(entry) for entry in self.members]

    def _etcd_status(self, node, timeout):
        if node in self.etcd_down:
            raise TalosError('etcd: connection refused', code='UNAVAILABLE', node=node)
        ids = {entry['hostname']: entry['id'] for entry in self.members}
        return {'member_id': ids.get(node, 0), 'protocol_version': '3.6.0', 'storage_version': '3.6.0',
                'db_size': 1 << 20, 'db_size_in_use': 1 << 19, 'leader': self.leader, 'raft_index': 10,
                'raft_term': 2, 'raft_applied_index': 10, 'errors': [], 'learner': False}

    def _etcd_alarms(self, node):
        return []

    def _kubeconfig(self, node):
        return [self.kubeconfig_archive]

    async def _events(self, node, tail_events, actor_id, timeout):
        yield {'id': '', 'actor_id': '', 'type': None}  # the hello every stream starts with
        await asyncio.Event().wait()  # then nothing, until the watcher stops

    async def _watch(self, namespace, resource_type, resource_id, node, bootstrap, aggregated, timeout):
        found = self._all_resources()
        for key, spec in found.items():
            if key[:2] == (namespace, resource_type) and resource_id in (None, key[2]):
                yield {'type': 'CREATED', 'resource': resource(*key, spec), 'old': None, 'error': None}
        if resource_id is not None and (namespace, resource_type, resource_id) not in found:
            yield {'type': 'DESTROYED', 'resource': resource(namespace, resource_type, resource_id, None),
                   'old': None, 'error': None}
        await asyncio.Event().wait()

    def _health_check(self, wait_timeout, controlplanes, workers, node):
        return ['discovered nodes: %s' % ', '.join(list(controlplanes) + list(workers)),
                'waiting for etcd to be healthy: ...', 'waiting for etcd to be healthy: OK']

    # Changes, applied to the node model.

    def add_service(self, service_id: str, state: str = 'Running') -> None:
        """Add or change a service of the node model (healthy while it runs)."""
        for entry in self.services:
            if entry['id'] == service_id:
                entry.update(service(service_id, state, state == 'Running'))
                return
        self.services.append(service(service_id, state, state == 'Running'))

    def _service_start(self, service_id, node):
        self.add_service(service_id, 'Running')
        return 'Service "%s" started' % service_id

    def _service_stop(self, service_id, node):
        self.add_service(service_id, 'Finished')
        return 'Service "%s" stopped' % service_id

    def _service_restart(self, service_id, node):
        self.add_service(service_id, 'Running')
        return 'Service "%s" restarted' % service_id

    def _meta_write(self, key, value, node):
        self.resources[('runtime', 'MetaKeys.runtime.talos.dev', '0x%02x' % key)] = {'value': value.decode()}

    def _meta_delete(self, key, node):
        self.resources.pop(('runtime', 'MetaKeys.runtime.talos.dev', '0x%02x' % key), None)

    def _reboot(self, node, mode):
        self.boots += 1
        self.version = self.pending_version or self.version
        return 'actor-reboot'

    def _image_pull(self, reference, node, namespace, timeout):
        return [{'layer': 'sha256:1', 'status': 'DONE', 'offset': 1, 'total': 1}, {'name': reference}]

    def _lifecycle_upgrade(self, image, node, namespace, timeout):
        self.pending_version = image.rsplit(':', 1)[1]
        return [{'message': 'installing %s' % image}, {'exit_code': 0}]

    def _upgrade_legacy(self, image, node, stage, preserve, force, reboot_mode):
        self.pending_version = image.rsplit(':', 1)[1]
        return self._reboot(node, reboot_mode)  # the node installs and reboots on its own

    def _apply_configuration(self, data, mode, node, dry_run, try_timeout):
        if not dry_run:
            self.configs['persistent'] = data.decode()
            if mode != 'STAGED':
                self.configs['v1alpha1'] = data.decode()
            if mode == 'REBOOT':
                self._reboot(node, 'DEFAULT')
        return {'mode': 'NO_REBOOT' if mode == 'AUTO' else mode, 'mode_details': 'Applied configuration',
                'warnings': []}

    def _bootstrap(self, node, recover, skip_hash_check):
        self.add_service('etcd', 'Running')

    def _etcd_remove_member(self, member_id, node):
        self.members = [entry for entry in self.members if entry['id'] != member_id]

    def _etcd_leave_cluster(self, node):
        self.members = [entry for entry in self.members if entry['hostname'] != node]

    def _etcd_forfeit_leadership(self, node):
        self.leader = 2
        return '10.5.0.3'


class FakeClient:
    """Stands in for TalosClient: the real method names and signatures, answered by a FakeTalos."""

    for_nodes = TalosClient.for_nodes  # the real fan-out: per-node results and errors

    def __init__(self, fleet: FakeTalos, settings: Any, **_options: Any) -> None:
        self.settings = settings
        self.roles = list(fleet.roles)
        self._fleet = fleet
        fleet.clients.append(settings)

    async def __aenter__(self) -> 'FakeClient':
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        return None

    def close(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        real = getattr(TalosClient, name)  # AttributeError when the real client lacks it too
        if name.startswith('_') or not inspect.isfunction(real):
            raise AttributeError(name)
        signature, fleet = inspect.signature(real), self._fleet

        def answer(args: tuple, kwargs: dict[str, Any]) -> Any:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            del arguments['self']
            fleet.calls.append((name, arguments))
            return fleet.answer(name, arguments)

        if inspect.isasyncgenfunction(real):
            async def stream(*args: Any, **kwargs: Any) -> Any:
                items = answer(args, kwargs)
                if hasattr(items, '__aiter__'):
                    async for item in items:
                        yield item
                    return
                for item in items:
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            return stream

        async def call(*args: Any, **kwargs: Any) -> Any:
            return answer(args, kwargs)
        return call


@pytest.fixture
def talos(monkeypatch: pytest.MonkeyPatch) -> FakeTalos:
    """The fake fleet; every TalosClient the collection's loaded code would construct is a FakeClient on it."""
    fleet = FakeTalos()

    def fake_client(settings: Any, **options: Any) -> FakeClient:
        return FakeClient(fleet, settings, **options)

    for name, module in list(sys.modules.items()):
        if name.startswith(COLLECTION) and getattr(module, 'TalosClient', None) is TalosClient:
            monkeypatch.setattr(module, 'TalosClient', fake_client)
    return fleet


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope='session')
def talosconfig(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A talosconfig whose context 'unit' has endpoint 10.5.0.2, no nodes and an os:admin client certificate."""
    ca = pki.generate_ca()
    admin = pki.issue_certificate(ca, organizations=['os:admin'], client=True)
    path = tmp_path_factory.mktemp('talos') / 'config'
    path.write_text(json.dumps({'context': 'unit', 'contexts': {'unit': {
        'endpoints': [ENDPOINT], 'ca': _b64(ca.crt), 'crt': _b64(admin.crt), 'key': _b64(admin.key)}}}))
    return str(path)


def _module_args(monkeypatch: pytest.MonkeyPatch, args: dict[str, Any]) -> Any:
    if patch_module_args is not None:
        return patch_module_args(args)
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode())
    if hasattr(basic, '_ANSIBLE_PROFILE'):
        monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy')
    return contextlib.nullcontext()


@pytest.fixture
def run(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, talosconfig: str) -> Any:
    """``run(module, check=False, diff=False, **args)``: the module's result; ``talosconfig`` defaults to
    the fixture's (pass ``talosconfig=None`` for a module without a connection)."""
    monkeypatch.delenv('TALOSCONFIG', raising=False)

    def run_module(module: Any, check: bool = False, diff: bool = False, **args: Any) -> dict[str, Any]:
        args.setdefault('talosconfig', talosconfig)
        args = {key: value for key, value in args.items() if value is not None}
        args.update(_ansible_check_mode=check, _ansible_diff=diff)
        capsys.readouterr()
        with _module_args(monkeypatch, args), pytest.raises(SystemExit) as exited:
            module.main()
        result = json.loads(capsys.readouterr().out)
        assert bool(result.get('failed')) == (exited.value.code not in (0, None)), result
        missing = undocumented(return_spec(module.RETURN), result)
        assert not missing, 'the RETURN of %s lacks %s' % (module.__name__, ', '.join(missing))
        return result
    return run_module
