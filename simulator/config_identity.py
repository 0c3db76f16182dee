# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a machine config makes of a machine at boot: its type, hostname and Talos API identity.

The apid certificate is issued by the config's OS CA (``machine.ca``); client certificates are
trusted from ``machine.ca`` and ``machine.acceptedCAs``. A worker's config has no CA key: like
trustd, it gets its certificates signed by a machine of the fleet whose config holds that CA's
key. With no such machine, apid serves a certificate nobody trusts (Talos's apid would wait).
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Optional

from simulator import etcd, secrets
from simulator.config import documents, validate
from simulator.pki import CertAndKey
from simulator.tls import server_context
from simulator.proxy import Proxy

if TYPE_CHECKING:
    from simulator.machine import Machine

log = logging.getLogger(__name__)


def _b64(value: object) -> bytes:
    try:
        return base64.b64decode(str(value or ''))
    except ValueError:
        return b''


def _machine_section(config: documents.Config) -> dict:
    doc = config.find(documents.V1ALPHA1)
    return (doc.value.get('machine') or {}) if doc else {}


def hostname_of(config: documents.Config) -> Optional[str]:
    """HostnameConfig's hostname, else .machine.network.hostname, else None (Talos would make one up)."""
    doc = config.find('HostnameConfig')
    if doc is not None and doc.value.get('hostname'):
        return str(doc.value['hostname'])
    network = _machine_section(config).get('network') or {}
    return str(network['hostname']) if network.get('hostname') else None


def type_of(config: documents.Config) -> Optional[str]:
    return validate.machine_type(config)


def _ca_pair(config: documents.Config) -> tuple[bytes, bytes]:
    ca = _machine_section(config).get('ca') or {}
    return _b64(ca.get('crt')), _b64(ca.get('key'))


def _trusted(config: documents.Config) -> bytes:
    machine = _machine_section(config)
    pems = [_ca_pair(config)[0]] + [_b64(item.get('crt')) for item in machine.get('acceptedCAs') or []
                                    if isinstance(item, dict)]
    return b''.join(pem if pem.endswith(b'\n') else pem + b'\n' for pem in pems if pem)


def _signing_ca(machine: 'Machine', crt: bytes, key: bytes) -> Optional[CertAndKey]:
    """The OS CA with its key: from the config itself, else from a fleet machine whose config has it (trustd)."""
    if crt and key:
        return CertAndKey(crt, key)
    for peer in machine.peers():
        for text in (peer.config_yaml, getattr(peer, 'persistent_yaml', None)):
            if not text or peer is machine:
                continue
            try:
                peer_crt, peer_key = _ca_pair(documents.loads(text))
            except ValueError:
                continue
            if peer_crt == crt and peer_key:
                return CertAndKey(peer_crt, peer_key)
    return None


def _attach_etcd(machine: 'Machine') -> None:
    if machine.planned_type == 'controlplane' and machine.etcd is None and machine.state_path:
        etcd.attach(machine, machine.state_path)
    elif machine.planned_type != 'controlplane' and machine.etcd is not None:
        member, machine.etcd = machine.etcd, None
        owned = [hook for hook in machine.boot_hooks + machine.shutdown_hooks
                 if getattr(hook, '__self__', None) is member]
        machine.boot_hooks[:] = [hook for hook in machine.boot_hooks if hook not in owned]
        machine.shutdown_hooks[:] = [hook for hook in machine.shutdown_hooks if hook not in owned]


def apply_live(machine: 'Machine', config: documents.Config) -> None:
    """What changes without a reboot: the hostname."""
    machine.hostname = hostname_of(config) or machine.hostname


def assume(machine: 'Machine', text: str) -> None:
    """Take on the identity of a config at boot (the listener is not up yet)."""
    config = documents.loads(text)
    crt, key = _ca_pair(config)
    machine.hostname = hostname_of(config) or machine.hostname
    machine.planned_type = type_of(config) or machine.planned_type
    _attach_etcd(machine)
    if machine.os_ca is not None and machine.os_ca.crt == crt and machine.config_yaml is not None:
        return  # same CA as before: keep the certificates
    ca = _signing_ca(machine, crt, key)
    if ca is None:
        log.warning('%s: no OS CA key in reach (no control plane with this CA): apid serves an untrusted '
                    'certificate', machine.name)
        ca = CertAndKey(*secrets.maintenance_certificate(machine.hostname, machine.address)[0])
    machine.os_ca = ca
    machine.server_cert = secrets.apid_certificate(ca, machine.hostname, machine.address)
    machine.impersonator = secrets.impersonator_certificate(ca, machine.hostname)
    machine.server_ssl = server_context(machine.server_cert.crt, machine.server_cert.key, _trusted(config) or crt)
    machine.proxy = Proxy(machine)
