# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Talos secrets bundle (``talosctl gen secrets``): made, read and checked as Talos does.

``pkg/machinery/config/generate/secrets/bundle.go:populate, Validate, validateCerts @ v1.13.9`` and
``secrets.go`` (YAML keys are go-yaml's lower-cased field names, PEM data base64): etcd/k8s/aggregator CAs
ECDSA, OS CA Ed25519, service account key ECDSA, bootstrap and trustd tokens ``[a-z0-9]{6}.[a-z0-9]{16}``
(``utils.go:genToken``), secretbox secret = 32 random bytes (``internal/cis/cis.go:CreateEncryptionToken``),
cluster ID 32 random bytes URL-base64 and secret 32 bytes base64 (``constants.DefaultClusterIDSize``).
"""

from __future__ import annotations

import base64
import os
import secrets as random
from typing import Any

import yaml
from cryptography import x509

from simulator import goyaml
from simulator.config.validate import multierror
from simulator.pki import b64, generate_ca, load_private_key, new_key_pem

_TOKEN_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz'


def _token(first: int = 6, second: int = 16) -> str:
    return '.'.join(''.join(random.choice(_TOKEN_CHARS) for _ in range(n)) for n in (first, second))


def _pair(ca: Any) -> dict[str, str]:
    return {'crt': b64(ca.crt), 'key': b64(ca.key)}


def generate() -> dict[str, Any]:
    """A fresh bundle, contract 1.3 or newer (secretbox encryption, ECDSA service account key)."""
    return {
        'cluster': {'id': base64.urlsafe_b64encode(os.urandom(32)).decode(),
                    'secret': base64.b64encode(os.urandom(32)).decode()},
        'secrets': {'bootstraptoken': _token(), 'secretboxencryptionsecret': base64.b64encode(os.urandom(32)).decode()},
        'trustdinfo': {'token': _token()},
        'certs': {
            'etcd': _pair(generate_ca('etcd', 'ecdsa')),
            'k8s': _pair(generate_ca('kubernetes', 'ecdsa')),
            'k8saggregator': _pair(generate_ca('', 'ecdsa', common_name='front-proxy')),
            'k8sserviceaccount': {'key': b64(new_key_pem('ecdsa'))},
            'os': _pair(generate_ca('talos', 'ed25519')),
        },
    }


def dumps(bundle: dict[str, Any]) -> str:
    return goyaml.dumps(bundle)


def _pem_problem(pair: Any, with_crt: bool = True) -> str:
    try:
        load_private_key(base64.b64decode(str((pair or {}).get('key') or '')))
        if with_crt:
            x509.load_pem_x509_certificate(base64.b64decode(str(pair.get('crt') or '')))
    except (ValueError, TypeError) as exc:
        return str(exc) or exc.__class__.__name__
    return ''


def _cert_errors(certs: Any) -> list[str]:
    if not isinstance(certs, dict):
        return ['certs is required']
    errors = []
    for name in ('etcd', 'k8s', 'k8saggregator', 'os'):
        if certs.get(name) is None:
            errors.append('certs.%s is required' % name)
        elif _pem_problem(certs[name]):
            errors.append('certs.%s is invalid: %s' % (name, _pem_problem(certs[name])))
    if certs.get('k8sserviceaccount') is None:
        errors.append('certs.k8sserviceaccount is required')
    elif _pem_problem(certs['k8sserviceaccount'], with_crt=False):
        errors.append('certs.k8sserviceaccount.key is invalid: %s' % _pem_problem(certs['k8sserviceaccount'], False))
    return errors


def validate(bundle: Any) -> None:
    """ValueError with Talos's multierror text when the bundle is not usable."""
    bundle = bundle if isinstance(bundle, dict) else {}
    errors = []
    cluster, section, trustd = bundle.get('cluster'), bundle.get('secrets'), bundle.get('trustdinfo')
    if not isinstance(cluster, dict):
        errors.append('cluster is required')
    else:
        errors += ['cluster.%s is required' % key for key in ('id', 'secret') if not cluster.get(key)]
    if not isinstance(section, dict):
        errors.append('secrets is required')
    else:
        if not section.get('bootstraptoken'):
            errors.append('secrets.bootstraptoken is required')
        both = [section.get('secretboxencryptionsecret'), section.get('aescbcencryptionsecret')]
        if not any(both):
            errors.append('one of [secrets.secretboxencryptionsecret, secrets.aescbcencryptionsecret] is required')
        elif all(both):
            errors.append('only one of [secrets.secretboxencryptionsecret, secrets.aescbcencryptionsecret] is allowed')
    if not isinstance(trustd, dict):
        errors.append('trustdinfo is required')
    elif not trustd.get('token'):
        errors.append('trustdinfo.token is required')
    errors += _cert_errors(bundle.get('certs'))
    if errors:
        raise ValueError(multierror(errors))


def load(path: str) -> dict[str, Any]:
    """Read and validate a bundle file (``secrets.go:LoadBundle`` then ``Validate``)."""
    try:
        with open(path, encoding='utf-8') as f:
            bundle = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError('cannot read %s: %s' % (path, exc)) from None
    validate(bundle)
    return bundle
