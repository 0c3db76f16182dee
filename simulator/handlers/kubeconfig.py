# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MachineService.Kubeconfig: a fresh admin kubeconfig from a control plane."""

from __future__ import annotations

from typing import Any, AsyncIterator

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from simulator import kubeconfig
from simulator.api import MachineService, common_pb2
from simulator.calls import Call, server_stream


@server_stream(MachineService.Kubeconfig)
async def kubeconfig_stream(call: Call) -> AsyncIterator[Any]:
    machine = call.machine
    if machine.planned_type != 'controlplane':
        raise GRPCError(Status.UNIMPLEMENTED, 'kubeconfig is only available on control plane nodes')
    cluster = kubeconfig.KubernetesCluster(machine.config_yaml or '')
    if not cluster.complete:
        raise GRPCError(Status.FAILED_PRECONDITION, 'kubernetes CA is not available in the machine config')
    yield common_pb2.Data(bytes=kubeconfig.packed(kubeconfig.admin_kubeconfig(cluster)))
