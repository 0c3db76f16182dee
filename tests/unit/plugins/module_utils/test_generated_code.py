# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The committed generated code is what tools/protogen.py makes from proto/ today."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))))
COMMITTED = os.path.join(REPO, 'plugins', 'module_utils', '_api')


def _tree(root):
    found = set()
    for base, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith('.pyc'):
                found.add(os.path.relpath(os.path.join(base, name), root))
    return found


def test_generated_code_is_fresh(tmp_path):
    out = tmp_path / 'api'
    subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'protogen.py'), '--out', str(out)], check=True,
                   capture_output=True)
    fresh, committed = _tree(out), _tree(COMMITTED)
    assert fresh == committed, 'run `make proto`: files differ %s' % sorted(fresh ^ committed)
    stale = [name for name in sorted(fresh) if not filecmp.cmp(out / name, os.path.join(COMMITTED, name), False)]
    assert not stale, 'run `make proto`: stale generated files %s' % stale


def test_generated_modules_import_without_top_level_packages():
    """Generated imports are collection-absolute: nothing named common/machine at top level."""
    for name in _tree(COMMITTED):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(COMMITTED, name), encoding='utf-8') as f:
            for line in f:
                stripped = line.strip()
                if stripped.startswith(('import ', 'from ')):
                    module = stripped.split()[1]
                    assert module.startswith(('ansible_collections.talos.linux.', 'google.', '__future__')), \
                        '%s: %s' % (name, stripped)


def test_method_tables_cover_every_service():
    from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
    from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
    assert MachineService.Version.path == '/machine.MachineService/Version'
    assert MachineService.EtcdSnapshot.server_streaming and MachineService.EtcdRecover.client_streaming
    assert {m.name for m in State.METHODS} >= {'Get', 'List', 'Watch'}
