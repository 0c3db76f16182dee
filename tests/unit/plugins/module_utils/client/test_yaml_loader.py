# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""yaml_loader: libyaml's safe loader when PyYAML has it, with the same values and errors as yaml.safe_load."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client import yaml_loader

TALOSCONFIG = """\
context: prod
contexts:
  prod:
    endpoints: [10.0.0.2, "fd00::2"]
    nodes:
      - 10.0.0.3
    ca: LS0tLS1CRUdJTg==
    timeout: 1h
    port: 50000
    empty:
    yes_is_a_bool: yes
"""


def test_loads_what_safe_load_loads() -> None:
    assert yaml_loader.safe_load(TALOSCONFIG) == yaml.safe_load(TALOSCONFIG)
    assert yaml_loader.safe_load(TALOSCONFIG.encode()) == yaml.safe_load(TALOSCONFIG)


def test_uses_libyaml_when_pyyaml_has_it() -> None:
    expected = yaml.CSafeLoader if getattr(yaml, '__with_libyaml__', False) else yaml.SafeLoader
    assert yaml_loader.SAFE_LOADER is expected


def test_refuses_python_objects() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_loader.safe_load('!!python/object/apply:os.system ["true"]')


def test_errors_carry_the_line() -> None:
    with pytest.raises(yaml.YAMLError) as info:
        yaml_loader.safe_load('contexts:\n  a: [1, 2\n')
    assert info.value.problem_mark.line >= 1
