# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos-shaped key material and configuration for a fleet: OS CA, apid and client certificates,
talosconfig and a per-machine v1alpha1 machine config.

The fleet's CAs and tokens come from a Talos secrets bundle: one talos-sim makes (``simulator.config.bundle``,
as ``talosctl gen secrets`` does), or the one given with ``--secrets`` (so that clients built from it are
trusted). apid's certificates: ``internal/app/machined/pkg/controllers/secrets/api.go:generateControlPlane
@ v1.13.9`` (server: CN and SANs from the node's addresses and hostname, ExtKeyUsage ServerAuth; client:
O=os:impersonator, ExtKeyUsage ClientAuth); talosconfig client certificates:
``pkg/machinery/config/generate/secrets/ca.go:NewAdminCertificateAndKey @ v1.13.9`` (roles as O, ClientAuth)."""

from __future__ import annotations

import base64
from typing import Any, NamedTuple, Optional, Sequence

from simulator import goyaml
from simulator.config import bundle as bundles
from simulator.config.generate import machine_config as generated_config
from simulator.pki import CertAndKey, generate_ca, issue_certificate
from simulator.rbac import ADMIN, IMPERSONATOR, READER

CLUSTER_NAME = 'talos-sim'
KUBERNETES_VERSION = 'v1.33.1'


class FleetSecrets(NamedTuple):
    """What Talos keeps in a secrets bundle, reduced to what the simulator needs."""

    os_ca: CertAndKey  # Ed25519, O=talos: Talos API (apid) CA
    k8s_ca: CertAndKey  # ECDSA, O=kubernetes
    etcd_ca: CertAndKey  # ECDSA, O=etcd
    machine_token: str
    cluster_token: str
    cluster_id: str
    cluster_secret: str
    secretbox_secret: str
    bundle: dict[str, Any]  # the whole bundle, for machine configs


# A bundle given on the command line (``--secrets``); None: every fleet generates its own.
_GIVEN_BUNDLE: Optional[dict[str, Any]] = None


def load_bundle(path: str) -> dict[str, Any]:
    """A validated Talos secrets bundle (``talosctl gen secrets`` format); ValueError names what is wrong."""
    return bundles.load(path)


def use_bundle(bundle: Optional[dict[str, Any]]) -> None:
    """Make the fleets built in this process use ``bundle`` instead of generating one."""
    global _GIVEN_BUNDLE  # pylint: disable=global-statement  # set once from the command line
    _GIVEN_BUNDLE = bundle


def _pair(bundle: dict[str, Any], name: str) -> CertAndKey:
    pem = bundle['certs'][name]
    return CertAndKey(base64.b64decode(pem['crt']), base64.b64decode(pem['key']))


def fleet_secrets_from_bundle(bundle: dict[str, Any]) -> FleetSecrets:
    """The simulator's view of a secrets bundle, with the fields Talos takes from it."""
    section = bundle['secrets']
    return FleetSecrets(
        os_ca=_pair(bundle, 'os'),
        k8s_ca=_pair(bundle, 'k8s'),
        etcd_ca=_pair(bundle, 'etcd'),
        machine_token=bundle['trustdinfo']['token'],
        cluster_token=section['bootstraptoken'],
        cluster_id=bundle['cluster']['id'],
        cluster_secret=bundle['cluster']['secret'],
        secretbox_secret=section.get('secretboxencryptionsecret') or section.get('aescbcencryptionsecret', ''),
        bundle=bundle,
    )


def generate_fleet_secrets() -> FleetSecrets:
    """The bundle given with ``--secrets``, else a new one."""
    return fleet_secrets_from_bundle(_GIVEN_BUNDLE if _GIVEN_BUNDLE is not None else bundles.generate())


def apid_certificate(ca: CertAndKey, hostname: str, address: str) -> CertAndKey:
    """apid's server certificate: CN = hostname, SANs = node address, 127.0.0.1 and hostname."""
    return issue_certificate(ca, common_name=hostname, server=True,
                             sans=_unique([address, '127.0.0.1', hostname]))


def impersonator_certificate(ca: CertAndKey, hostname: str) -> CertAndKey:
    """The client certificate apid uses to forward calls to other machines (O=os:impersonator)."""
    return issue_certificate(ca, common_name=hostname, organizations=[IMPERSONATOR], client=True)


def client_certificate(ca: CertAndKey, roles: Sequence[str]) -> CertAndKey:
    """A talosconfig client certificate: roles as Organizations, ExtKeyUsage ClientAuth only."""
    return issue_certificate(ca, organizations=list(roles), client=True)


def maintenance_certificate(hostname: str, address: str) -> tuple[CertAndKey, CertAndKey]:
    """(ephemeral CA, leaf) like the maintenance-mode TLS Talos makes at boot; clients can't verify it."""
    ca = generate_ca(organization='talos')
    return ca, issue_certificate(ca, common_name=hostname, server=True,
                                 sans=_unique([address, '127.0.0.1', hostname]))


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode('ascii')


def talosconfig(ca: CertAndKey, endpoints: Sequence[str], nodes: Sequence[str]) -> str:
    """talosconfig YAML with an admin context ``sim`` (current) and a reader context ``sim-reader``."""
    contexts: dict[str, Any] = {}
    for name, role in (('sim', ADMIN), ('sim-reader', READER)):
        cert = client_certificate(ca, [role])
        contexts[name] = {
            'endpoints': list(endpoints),
            'nodes': list(nodes),
            'ca': _b64(ca.crt),
            'crt': _b64(cert.crt),
            'key': _b64(cert.key),
        }
    return goyaml.dumps({'context': 'sim', 'contexts': contexts})


def machine_config(fleet: FleetSecrets, machine_type: str, hostname: str, endpoint: str,
                   talos_version: str = 'v1.14.0') -> str:
    """The config ``talosctl gen config`` makes for this machine at the emulated version's contract, with its
    hostname set."""
    return generated_config(fleet.bundle, machine_type, hostname, endpoint, CLUSTER_NAME, talos_version)
