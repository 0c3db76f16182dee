# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where and when the cluster's Kubernetes API answers: the endpoint, its certificate, up and down with etcd.

The cluster endpoint (``https://host:port`` of the config) stands for the VIP or load balancer in front of
the control planes' API servers. It listens from the first moment an API server would serve (some control
plane runs a healthy etcd: simulator.readiness.kubernetes_api_up); before that a client's connection is
refused. Once it listened, losing etcd's quorum does not close it: every request answers 503
ServiceUnavailable until quorum is back. That is what a client of a load-balanced cluster sees: the
kube-apiserver processes keep running (kubelet keeps static pods up) and keep accepting connections, but
their readiness (/readyz, etcd check) fails, so a health-checking load balancer has no ready backend and
answers 503 itself, quickly, instead of letting requests hang on etcd timeouts. The same 503 answers while
every control plane's kube-apiserver restarts for a changed static pod (the kubelet stops the old container
before it starts the new one: simulator.kube.cluster.api_servers_restarting); while another control plane's
kube-apiserver runs, the load balancer sends every request there and clients notice nothing.

The serving certificate is the one Talos issues kube-apiserver from the Kubernetes CA
(``internal/app/machined/pkg/controllers/secrets/kubernetes_dynamic_certs.go`` and ``kubernetes_cert_sans.go
@ v1.13.9``): CN kube-apiserver, O kube-master, ExtKeyUsage ServerAuth; SANs the endpoint's host, kubernetes,
kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, localhost, the first
service IP 10.96.0.1, 127.0.0.1 and the control planes' hostnames and addresses (one certificate serves the
whole VIP here, so it names every control plane). Clients authenticate with certificates of the same CA.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from simulator.pki import CertAndKey, issue_certificate, openssl_private_key

log = logging.getLogger(__name__)

SERVICE_IPS = ('10.96.0.1',)  # the first address of the default service subnet 10.96.0.0/12
SERVICE_NAMES = ('kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local',
                 'localhost')


@dataclass(frozen=True)
class Endpoint:
    """The address:port the API listens on, and what its certificate names."""

    host: str  # as the config writes it (IP or name)
    address: str  # where talos-sim binds it
    port: int
    controlplanes: tuple[tuple[str, str], ...]  # (hostname, address)


def endpoint_of(url: str, controlplanes: tuple[tuple[str, str], ...],
                resolve: Callable[[str], str]) -> Optional[Endpoint]:
    """The Endpoint of ``https://host[:port]``; None when the host resolves to no IP address."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    address = resolve(host)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return Endpoint(host, address, parts.port or 443, controlplanes)


def serving_certificate(ca: CertAndKey, endpoint: Endpoint) -> CertAndKey:
    names = [endpoint.host, *SERVICE_NAMES, *SERVICE_IPS, '127.0.0.1']
    for hostname, address in endpoint.controlplanes:
        names += [hostname, address]
    return issue_certificate(ca, common_name='kube-apiserver', organizations=['kube-master'], server=True,
                             sans=list(dict.fromkeys(names)))


def server_context(cert: CertAndKey, client_ca: bytes) -> ssl.SSLContext:
    """TLS 1.2+, client certificates of the Kubernetes CA asked for but optional (401 without one), http/1.1."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix='talos-sim-kube-') as tmp:  # ssl loads key pairs from files only
        paths = []
        for name, data in (('crt.pem', cert.crt), ('key.pem', openssl_private_key(cert.key))):
            path = os.path.join(tmp, name)
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'wb') as f:
                f.write(data)
            paths.append(path)
        ctx.load_cert_chain(*paths)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cadata=client_ca.decode('ascii'))
    ctx.set_alpn_protocols(['http/1.1'])
    return ctx


def version_info(git_version: str) -> dict[str, Any]:
    """/version of kube-apiserver (staging/src/k8s.io/apimachinery/pkg/version/types.go:Info)."""
    parts = git_version.lstrip('v').split('.')
    return {'major': parts[0], 'minor': parts[1] if len(parts) > 1 else '', 'gitVersion': git_version,
            'gitCommit': '', 'gitTreeState': 'clean', 'buildDate': '', 'goVersion': '', 'compiler': 'gc',
            'platform': 'linux/amd64'}
