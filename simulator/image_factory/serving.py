# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting the fleet's factory: a CA of its own, a serving certificate, an HTTPS listener on the fleet's subnet.

ECDSA keys and an ephemeral port keep the start cheap (a few milliseconds): every fleet runs one factory.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from typing import Optional

from aiohttp import web

from simulator.image_factory.factory import PUBLIC_HOST, ImageFactory
from simulator.image_factory.server import FactoryApp
from simulator.pki import generate_ca, issue_certificate, openssl_private_key
from simulator.statedir import write_atomic

HOST_OFFSET = 2  # the factory listens on the subnet's .2 (machines start at .10)


def factory_address(first_machine: str, prefixlen: int) -> str:
    network = ipaddress.ip_interface('%s/%d' % (first_machine, prefixlen)).network
    return str(network.network_address + HOST_OFFSET)


class FactoryServer:
    def __init__(self, factory: ImageFactory) -> None:
        self.factory = factory
        self._runner: Optional[web.AppRunner] = None

    async def start(self, address: str, directory: str) -> None:
        """Listen on ``address`` (any free port); the CA and serving key pair go to ``directory``."""
        os.makedirs(directory, mode=0o700, exist_ok=True)
        ca = generate_ca('talos-sim image factory', 'ecdsa', 'talos-sim image factory CA')
        cert = issue_certificate(ca, common_name=PUBLIC_HOST, server=True, sans=[address, PUBLIC_HOST])
        ca_path, crt_path, key_path = (os.path.join(directory, name) for name in ('ca.crt', 'tls.crt', 'tls.key'))
        write_atomic(ca_path, ca.crt)
        write_atomic(crt_path, cert.crt)
        write_atomic(key_path, openssl_private_key(cert.key), 0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(crt_path, key_path)
        context.set_alpn_protocols(['http/1.1'])
        runner = web.AppRunner(FactoryApp(self.factory).application(), access_log=None, handle_signals=False,
                               shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, address, 0, ssl_context=context).start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.factory.url = 'https://%s:%d' % (address, port)
        self.factory.ca_path = ca_path

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
