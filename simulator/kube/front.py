# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster endpoint's listener over time: closed until the API first comes up, then 503 while it is down
(simulator.kube.serving says why), moved when the config names another endpoint, closed with the fleet."""

from __future__ import annotations

import logging
from typing import Optional

from simulator.kube.disruption import BudgetRecorder
from simulator.kube.server import ApiServer
from simulator.kube.serving import Endpoint, server_context, serving_certificate, version_info
from simulator.kube.store import Store
from simulator.kubeconfig import KubernetesCluster

log = logging.getLogger(__name__)

Wanted = tuple[Endpoint, KubernetesCluster, str]  # where, whose CA, which Kubernetes version


class ApiFront:
    def __init__(self, store: Store, recorder: BudgetRecorder) -> None:
        self._store = store
        self._recorder = recorder
        self.server: Optional[ApiServer] = None
        self._serving_key: Optional[tuple] = None  # what the running (or last failed) listener was made for

    @staticmethod
    def _key(wanted: Wanted) -> tuple:
        """What a new listener is needed for; a new version alone is not (the load balancer stays up while its
        backends are upgraded one by one)."""
        endpoint, cluster, _version = wanted
        return endpoint, cluster.ca.crt

    async def follow(self, wanted: Optional[Wanted], up: bool) -> None:
        """Listen where ``wanted`` says once ``up``; then answer 503 while not ``up``."""
        if wanted is not None and up and self._key(wanted) != self._serving_key:
            await self.stop()
            await self._start(wanted)
        if self.server is not None:
            self.server.set_available(up)
            if wanted is not None:
                self.server.version_info = version_info(wanted[2])

    async def _start(self, wanted: Wanted) -> None:
        endpoint, cluster, version = wanted
        self._serving_key = self._key(wanted)  # a failed bind is not retried until something changes
        context = server_context(serving_certificate(cluster.ca, endpoint), cluster.ca.crt)
        server = ApiServer(self._store, context, version_info=version_info(version), recorder=self._recorder)
        try:
            await server.start(endpoint.address, endpoint.port)
        except OSError as exc:
            log.warning('kubernetes API: cannot listen on %s:%d: %s', endpoint.address, endpoint.port, exc)
            return
        self.server = server
        log.debug('kubernetes API listening on %s:%d (%s)', endpoint.address, endpoint.port, version)

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
