# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets bundles (``talosctl gen secrets``): generate, load and validate with upstream's key types and messages.

CAs: etcd (ECDSA P-256, O=etcd), Kubernetes (ECDSA, O=kubernetes), aggregator (ECDSA, CN=front-proxy),
OS/Talos API (Ed25519, O=talos), all valid ten years; the service-account key is RSA-4096 from
contract v1.7 on, ECDSA before.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import secrets as random
from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.configgen import contract as contracts
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import encoder
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import SecretsError

CA_VALIDITY = datetime.timedelta(days=3650)
_TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
_KEY_LABELS = ('EC PRIVATE KEY', 'ED25519 PRIVATE KEY', 'RSA PRIVATE KEY', 'PRIVATE KEY')


def _b64(pem: bytes) -> str:
    return base64.b64encode(pem).decode('ascii')


def _token() -> str:
    pick = ''.join(random.choice(_TOKEN_ALPHABET) for _position in range(22))
    return '%s.%s' % (pick[:6], pick[6:])


def generate(talos_version: str | None = None) -> dict[str, Any]:
    """A new bundle for a version contract, as a dict in the secrets.yaml layout."""
    contract = contracts.parse(talos_version)
    cluster_id = random.token_bytes(32)
    sa_algorithm = 'rsa' if contract.after(1, 6) else 'ecdsa'
    sa_key = pki.encode_private_key(pki.new_private_key(sa_algorithm))
    etcd = pki.generate_ca('etcd', algorithm='ecdsa', lifetime=CA_VALIDITY)
    k8s = pki.generate_ca('kubernetes', algorithm='ecdsa', lifetime=CA_VALIDITY)
    aggregator = pki.generate_ca('', common_name='front-proxy', algorithm='ecdsa', lifetime=CA_VALIDITY)
    talos = pki.generate_ca('talos', algorithm='ed25519', lifetime=CA_VALIDITY)
    secrets_section = {'bootstraptoken': _token()}
    if contract.after(1, 2):
        secrets_section['secretboxencryptionsecret'] = _b64(random.token_bytes(32))
    else:
        secrets_section['aescbcencryptionsecret'] = _b64(random.token_bytes(32))
    encode_id = base64.b64encode if contract.after(1, 13) else base64.urlsafe_b64encode
    return {
        'cluster': {'id': encode_id(cluster_id).decode('ascii'), 'secret': _b64(random.token_bytes(32))},
        'secrets': secrets_section,
        'trustdinfo': {'token': _token()},
        'certs': {
            'etcd': {'crt': _b64(etcd.crt), 'key': _b64(etcd.key)},
            'k8s': {'crt': _b64(k8s.crt), 'key': _b64(k8s.key)},
            'k8saggregator': {'crt': _b64(aggregator.crt), 'key': _b64(aggregator.key)},
            'k8sserviceaccount': {'key': _b64(sa_key)},
            'os': {'crt': _b64(talos.crt), 'key': _b64(talos.key)},
        },
    }


def dumps(bundle: dict[str, Any]) -> str:
    """secrets.yaml text in upstream's layout and key order."""
    order = ('cluster', 'secrets', 'trustdinfo', 'certs')
    return encoder.dump({k: bundle[k] for k in order if k in bundle})


def loads(text: str | bytes, where: str = 'secrets bundle') -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SecretsError('%s: invalid YAML: %s' % (where, exc)) from None
    if not isinstance(data, dict):
        raise SecretsError('%s: expected a mapping with cluster, secrets, trustdinfo and certs' % where)
    unknown = set(data) - {'cluster', 'secrets', 'trustdinfo', 'certs'}
    if unknown:
        raise SecretsError('%s: unknown field(s): %s' % (where, ', '.join(sorted(unknown))))
    return data


def _pem_label(b64: Any) -> tuple[str, bytes] | None:
    try:
        pem = base64.b64decode(str(b64 or ''), validate=True)
    except (binascii.Error, ValueError):
        return None
    match = re.search(rb'-----BEGIN ([A-Z0-9 ]+)-----', pem)
    return (match.group(1).decode('ascii'), pem) if match else None


def _check_key(b64: Any) -> str | None:
    found = _pem_label(b64)
    if found is None:
        return 'failed to parse PEM block'
    label, pem = found
    if label not in _KEY_LABELS:
        return 'unsupported key type: "%s"' % label
    try:
        pki.load_private_key(pem)
    except pki.PKIError as exc:
        return str(exc)
    return None


def _check_pair(pair: Any) -> str | None:
    if not isinstance(pair, dict):
        return 'expected crt and key'
    problem = _check_key(pair.get('key'))
    if problem:
        return problem
    found = _pem_label(pair.get('crt'))
    if found is None or found[0] != 'CERTIFICATE':
        return 'failed to parse PEM block'
    try:
        pki.load_certificates(found[1])
    except pki.PKIError as exc:
        return str(exc)
    return None


def _section(bundle: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A top-level section; upstream checks each for nil, so an empty mapping is present (its fields missing)."""
    value = bundle.get(name)
    if value is None:
        return None
    return value if isinstance(value, dict) else {}


def problems(bundle: dict[str, Any]) -> list[str]:
    """Every validation problem, in upstream's order and wording (``generate/secrets/bundle.go:Validate``)."""
    errors = []
    cluster = _section(bundle, 'cluster')
    if cluster is None:
        errors.append('cluster is required')
    else:
        if not cluster.get('id'):
            errors.append('cluster.id is required')
        if not cluster.get('secret'):
            errors.append('cluster.secret is required')
    sec = _section(bundle, 'secrets')
    if sec is None:
        errors.append('secrets is required')
    else:
        if not sec.get('bootstraptoken'):
            errors.append('secrets.bootstraptoken is required')
        aescbc, secretbox = sec.get('aescbcencryptionsecret'), sec.get('secretboxencryptionsecret')
        if not aescbc and not secretbox:
            errors.append('one of [secrets.secretboxencryptionsecret, secrets.aescbcencryptionsecret] is required')
        if aescbc and secretbox:
            errors.append('only one of [secrets.secretboxencryptionsecret, secrets.aescbcencryptionsecret] '
                          'is allowed')
    trustd = _section(bundle, 'trustdinfo')
    if trustd is None:
        errors.append('trustdinfo is required')
    elif not trustd.get('token'):
        errors.append('trustdinfo.token is required')
    certs = _section(bundle, 'certs')
    if certs is None:
        errors.append('certs is required')
        return errors
    for name in ('etcd', 'k8s', 'k8saggregator'):
        if not certs.get(name):
            errors.append('certs.%s is required' % name)
        elif _check_pair(certs[name]):
            errors.append('certs.%s is invalid: %s' % (name, _check_pair(certs[name])))
    sa_key = certs.get('k8sserviceaccount')
    if not sa_key:
        errors.append('certs.k8sserviceaccount is required')
    elif _check_key(sa_key.get('key') if isinstance(sa_key, dict) else None):
        errors.append('certs.k8sserviceaccount.key is invalid: %s' % _check_key(sa_key.get('key')))
    if not certs.get('os'):
        errors.append('certs.os is required')
    elif _check_pair(certs['os']):
        errors.append('certs.os is invalid: %s' % _check_pair(certs['os']))
    return errors


def validate(bundle: dict[str, Any]) -> None:
    """Raise SecretsError listing every problem (Go multi-error layout) when the bundle is invalid."""
    found = problems(bundle)
    if found:
        lines = ['%d error%s occurred:' % (len(found), 's' if len(found) > 1 else '')]
        lines += ['\t* %s' % p for p in found]
        raise SecretsError('\n'.join(lines) + '\n\n')


def load_valid(text: str | bytes, where: str) -> dict[str, Any]:
    """An existing bundle, loaded and validated; SecretsError names ``where`` and lists every problem."""
    bundle = loads(text, where)
    try:
        validate(bundle)
    except SecretsError as exc:
        raise SecretsError('%s is invalid: %s' % (where, str(exc).strip())) from None
    return bundle
