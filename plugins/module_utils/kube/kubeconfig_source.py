# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the kubeconfig of a drain comes from: the ``kubeconfig`` option (a path or the YAML itself) or Talos.

Without the option, the cluster's admin kubeconfig is fetched through the Talos API (Kubeconfig)
from the connection's endpoint, a control plane, as talosctl does: the node being drained may be a
worker, which has none to give. Error messages never quote the content: it holds private keys.

Private module: free to change between releases.
"""

from __future__ import annotations

import os
from typing import Any, Optional

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True

from ansible_collections.talos.linux.plugins.module_utils.frontend import files
from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError
from ansible_collections.talos.linux.plugins.module_utils.kubeconfig.kubeconfig import fetch
from ansible_collections.talos.linux.plugins.module_utils.client.yaml_loader import safe_load as yaml_safe_load


def is_content(value: str) -> bool:
    """A kubeconfig given inline spans lines (YAML) or is a JSON object; a path is one line."""
    text = value.strip()
    return '\n' in text or text.startswith('{')


def parse(text: str, where: str) -> dict[str, Any]:
    """The kubeconfig as a mapping with at least one cluster; ``where`` names its origin in errors."""
    try:
        config = yaml_safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        at = ' at line %d' % (mark.line + 1) if mark is not None else ''
        raise KubeError('kubeconfig: %s is not valid YAML%s' % (where, at)) from None
    if not isinstance(config, dict) or not config.get('clusters'):
        raise KubeError('kubeconfig: %s is not a kubeconfig (no clusters)' % where)
    return config


def from_option(value: str) -> dict[str, Any]:
    """The kubeconfig an option value names: the YAML itself, or a file."""
    if is_content(value):
        return parse(value, 'the content given')
    path = os.path.expanduser(value.strip())
    text = files.read_text(path)
    if text is None:
        raise KubeError('kubeconfig: %s does not exist (give a path or the kubeconfig itself)' % path)
    return parse(text, path)


async def kubeconfig(value: Optional[str], client: Any) -> dict[str, Any]:
    """The kubeconfig to use: from the option when given, else the admin kubeconfig Talos issues."""
    if value:
        return from_option(value)
    return parse(await fetch(client, None), 'the kubeconfig from the Talos API')
