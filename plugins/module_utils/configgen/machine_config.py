# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the machine_config module computes: the secrets bundle from a path or a mapping, the generated
config with its patches, and how it compares with the file already at ``dest``.

Private module: free to change between releases.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.configgen import contract, generate, secrets
from ansible_collections.talos.linux.plugins.module_utils.configgen.kubernetes_default import default_kubernetes_version
from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.frontend import files, redact
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import SecretsError

# Module options passed on to the generator as they are.
OPTION_NAMES = ('additional_sans', 'allow_scheduling_on_control_planes', 'dns_domain', 'install_disk',
                'install_image', 'install_extra_kernel_args', 'local_api_server_port', 'sysctls', 'custom_cni_url',
                'registry_mirrors')


def load_bundle(source: Any) -> dict[str, Any]:
    """A validated secrets bundle from a file path or a mapping (errors name ``secrets``)."""
    if isinstance(source, dict):
        bundle = source
        where = 'secrets'
    elif isinstance(source, str) and source:
        path = os.path.expanduser(source)
        where = 'secrets (%s)' % path
        text = files.read_bytes(path)
        if text is None:
            raise SecretsError('%s: file not found' % where)
        bundle = secrets.loads(text, where)
    else:
        raise SecretsError('secrets: expected the path of a secrets bundle or a mapping')
    try:
        secrets.validate(bundle)
    except SecretsError as exc:
        raise SecretsError('%s: invalid secrets bundle: %s' % (where, str(exc).strip())) from None
    return bundle


def _options(params: dict[str, Any]) -> generate.Options:
    given = {name: params.get(name) for name in OPTION_NAMES if params.get(name) is not None}
    if 'sysctls' in given:
        given['sysctls'] = {str(k): str(v) for k, v in given['sysctls'].items()}
    return generate.Options.from_dict(given)


def kubernetes_version(params: dict[str, Any]) -> str:
    """The ``kubernetes_version`` given, else the one Talos ships for the ``talos_version`` contract."""
    given = params.get('kubernetes_version')
    if given is not None:
        return given
    return default_kubernetes_version(contract.parse(params.get('talos_version')))


def render(params: dict[str, Any], base_dir: str | None = None) -> str:
    """The machine configuration text for the module's parameters, patches applied in order."""
    bundle = load_bundle(params['secrets'])
    config = generate.generate(bundle, params['cluster_name'], params['cluster_endpoint'], params['machine_type'],
                               kubernetes_version(params), params.get('talos_version'), _options(params))
    patches = params.get('patches') or []
    return patch.apply_patches(config, patches, base_dir) if patches else config.encode()


@dataclass
class Outcome:
    config: str
    changed: bool
    diff: dict[str, str] | None


def reconcile(params: dict[str, Any], check_mode: bool, base_dir: str | None = None) -> Outcome:
    """Render the config and, with ``dest``, write it unless unchanged (or in check mode)."""
    config = render(params, base_dir)
    dest = params.get('dest')
    if not dest:
        return Outcome(config, False, None)
    dest = os.path.expanduser(dest)
    files.check_parent(dest)
    if not check_mode:
        files.remove_stale_temps(dest)
    before = files.read_text(dest)
    changed = files.would_change(dest, config)
    if changed and not check_mode:
        files.atomic_write(dest, config)
    diff = {'before_header': dest, 'after_header': dest,
            'before': redact.redact_text(before), 'after': redact.redact_text(config)}
    return Outcome(config, changed, diff)
