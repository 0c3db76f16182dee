# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration to apply, from module input: text, documents or a file, then patches, then checked.

Everything that can be refused without asking the node is refused here: YAML that does not parse,
unknown documents or fields, and the machine-type and CA rules Talos checks first.

Private module: free to change between releases.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.configpatch import patch
from ansible_collections.talos.linux.plugins.module_utils.frontend import files
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, encoder, validate
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.errors import ConfigError


@dataclass
class DesiredConfig:
    text: str  # what is sent to the node
    config: documents.Config
    warnings: list[str] = field(default_factory=list)


def _source_text(config: Any, src: Optional[str]) -> tuple[str, str]:
    if src:
        path = os.path.expanduser(src)
        data = files.read_text(path)
        if data is None:
            raise ConfigError('src: %s: file not found' % path)
        return data, 'src (%s)' % path
    if isinstance(config, str):
        return config, 'config'
    if isinstance(config, dict):
        config = [config]
    if isinstance(config, list) and config and all(isinstance(doc, dict) for doc in config):
        return documents.loads(encoder.dump_all(config), 'config').encode(), 'config'
    raise ConfigError('config: expected YAML text, a mapping (one document) or a list of mappings')


def desired_config(config: Any, src: Optional[str], patches: list[Any], base_dir: Optional[str] = None,
                   require_v1alpha1: bool = True) -> DesiredConfig:
    """Load, patch and check the config; ConfigError/PatchError (TalosErrors) name what is wrong."""
    text, what = _source_text(config, src)
    loaded = documents.loads(text, what)
    if patches:
        try:
            text = patch.apply_patches(loaded, patches, base_dir)
        except (patch.PatchError, ConfigError) as exc:  # "patch 2: ..." alone does not say which option
            raise type(exc)('option patches, %s' % exc) from None
        loaded = documents.loads(text, '%s with patches' % what)
    if not loaded.documents:
        raise ConfigError('%s: the configuration is empty' % what)
    if require_v1alpha1 and loaded.find(documents.V1ALPHA1) is None:
        raise ConfigError("%s: the machine configuration doesn't contain v1alpha1 config, did you mean to patch the "
                          "machine config instead?" % what)
    warnings, errors = validate.validate(loaded)
    if errors:
        raise ConfigError('%s: configuration validation failed: %s' % (what, validate.format_errors(errors).strip()))
    return DesiredConfig(text, loaded, warnings)
