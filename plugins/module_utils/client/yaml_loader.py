# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PyYAML's safe loading, through libyaml when PyYAML was built with it.

Every task parses a talosconfig, a drain a kubeconfig, a fan-out a resource spec per node and resource:
libyaml's CSafeLoader builds the same plain values as SafeLoader for an eighth of the CPU (about 15 ms a
talosconfig in pure Python on this project's test machine). Errors are PyYAML's (``yaml.YAMLError``, with
``problem_mark``) either way. Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

try:
    import yaml
except ImportError:
    HAS_YAML = False
else:
    HAS_YAML = True
    SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load`` with the fastest safe loader at hand."""
    return yaml.load(text, Loader=SAFE_LOADER)  # nosec B506  (a safe loader: SafeLoader or libyaml's CSafeLoader)
