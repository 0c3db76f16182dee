# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: what every talos.linux module shares.

``ModuleBase`` builds the AnsibleModule, checks the libraries and is the one place where an error
becomes a failed task: a module's ``main`` is decorated with ``entry_point`` and raises; it never
catches an error it cannot handle. ``TalosModule`` adds the connection options and the client.

Private module: free to change between releases.
"""

from __future__ import annotations

import traceback
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterable, Iterator, NoReturn, TypeVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils.client import pki, resources, talosconfig, transport
from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import (ConnectionSettings,
                                                                                    settings_from_options)
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.frontend.connection_spec import CONNECTION_SPEC
from ansible_collections.talos.linux.plugins.module_utils.frontend.duration import duration_problem
from ansible_collections.talos.linux.plugins.module_utils.frontend.option_checks import number_problem
from ansible_collections.talos.linux.plugins.module_utils.frontend.targets import destructive_node, empty_target_problem

T = TypeVar('T')

# What builds a module's AnsibleModule: AnsibleModule itself in a module process; for a task run inside
# Ansible's worker, the action plugin puts its stand-in here for that one run (plugins/plugin_utils/_worker_module.py).
_MODULE_FACTORY: dict[str, Callable[..., Any]] = {'current': AnsibleModule}


@contextmanager
def module_factory(factory: Callable[..., Any]) -> Iterator[None]:
    """Build modules with ``factory(argument_spec=..., **kwargs)`` instead of AnsibleModule while this lasts."""
    previous = _MODULE_FACTORY['current']
    _MODULE_FACTORY['current'] = factory
    try:
        yield
    finally:
        _MODULE_FACTORY['current'] = previous


# (available?, pip name) of every library the client needs.
_LIBRARIES = (
    (transport.HAS_GRPCLIB, 'grpclib'),
    (machine_pb2.HAS_PROTOBUF, 'protobuf'),
    (pki.HAS_CRYPTOGRAPHY, 'cryptography'),
    (talosconfig.HAS_YAML and resources.HAS_YAML, 'PyYAML'),
)


def missing_libraries() -> list[str]:
    """The pip names of the client's libraries this Python lacks."""
    return [name for available, name in _LIBRARIES if not available]


class ModuleBase:
    """An AnsibleModule with its libraries checked and the one error handler; as is for controller-only modules."""

    def __init__(self, argument_spec: dict[str, Any], libraries: Iterable[tuple[bool, str]] = (),
                 **kwargs: Any) -> None:
        self.module = _MODULE_FACTORY['current'](argument_spec=argument_spec, **kwargs)
        self.params = self.module.params
        # Durations become float seconds here, before the module or number_problem reads them.
        problem = duration_problem(self.params, argument_spec) or number_problem(self.params, argument_spec)
        if problem:
            self.module.fail_json(msg=problem)
        # Keys a failure reports as well, such as the file the module writes.
        self.failure_result: dict[str, Any] = {}
        for available, name in libraries:
            if not available:
                self.module.fail_json(msg=missing_required_lib(name))

    @classmethod
    def entry_point(cls, **module_args: Any) -> Callable[[Callable[[Any], None]], Callable[[], None]]:
        """Decorate a module's ``main(module)``: the returned ``main()`` builds ``cls(**module_args)`` and runs it.

        A TalosError fails the task with its details; anything else is a bug, failed with its traceback.
        """
        def decorate(body: Callable[[Any], None]) -> Callable[[], None]:
            def main() -> None:
                module = cls(**module_args)
                try:
                    body(module)
                except TalosError as exc:
                    module.fail(exc)
                except Exception as exc:  # pylint: disable=broad-exception-caught
                    module.module.fail_json(msg='unexpected error: %s' % exc, exception=traceback.format_exc())
            return main
        return decorate

    def fail(self, exc: TalosError, **result: Any) -> NoReturn:
        """Fail the task: ``msg``, ``grpc_code``, ``node``, ``endpoint`` (always present, None when unknown),
        with ``failure_result``, the error's partial result and ``result`` (the error's own keys win)."""
        details = dict(self.failure_result)
        details.update(exc.result or {})
        details.update(result)
        details.update(msg=str(exc), grpc_code=exc.code, node=exc.node, endpoint=exc.endpoint)
        self.module.fail_json(**details)
        raise AssertionError('not reached: fail_json exits')


class TalosModule(ModuleBase):
    """A module that talks to Talos: the connection options, the client libraries, one way to run client calls."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = dict(CONNECTION_SPEC)
        spec.update(argument_spec)
        super().__init__(spec, _LIBRARIES, **kwargs)
        # Before anything is read or sent: an empty target must not become the default target.
        problem = empty_target_problem(self.params, argument_spec)
        if problem:
            self.fail(TalosError(problem))

    def connection_options(self, nodes: list[str] | None = None) -> dict[str, Any]:
        """The connection options of the task (see connection_spec), targeting ``nodes``."""
        options = {name: self.params.get(name) for name in CONNECTION_SPEC}
        options['nodes'] = nodes
        return options

    def connection_settings(self, nodes: list[str] | None = None) -> ConnectionSettings:
        return settings_from_options(self.connection_options(nodes))

    def destructive_target(self, verb: str) -> tuple[ConnectionSettings, str]:
        """The settings and the one node of a module that takes a node down or wipes it (option ``node``).

        Never the node behind the endpoint: see targets.destructive_node.
        """
        node = self.params['node']
        settings = self.connection_settings([node] if node else None)
        return settings, destructive_node(settings, node, verb)

    def run(self, settings: ConnectionSettings, work: Callable[[TalosClient], Awaitable[T]],
            node: str | None = None) -> T:
        """Run ``work(client)`` on a fresh client.

        ``node`` is for modules that target one node (as ``settings.node_label`` names it): an error that
        names no node, such as a local file that cannot be written, is reported against it.
        """
        async def with_client() -> T:
            async with TalosClient(settings) as client:
                return await work(client)
        try:
            return transport.run(with_client())
        except TalosError as exc:
            exc.node = exc.node or node
            raise
