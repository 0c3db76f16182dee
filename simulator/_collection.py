# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the collection's generated wire code, ``ansible_collections.talos.linux.plugins.module_utils._api``.

talos-sim imports nothing else from the collection (tests/unit/test_sim_independence.py). The wire code
is looked up, first match wins:

1. the checkout this package sits in: the repository root *is* the collection root, so a symlink
   ``<repo>/.build/collections/ansible_collections/talos/linux -> ../../../..`` puts it on ``sys.path``;
2. an already importable ``ansible_collections.talos.linux`` (e.g. PYTHONPATH);
3. an installed collection under ``ANSIBLE_COLLECTIONS_PATH`` (or ``ANSIBLE_COLLECTIONS_PATHS``),
   ``~/.ansible/collections`` or ``/usr/share/ansible/collections``.

The wheel deliberately does not carry a copy under the ``ansible_collections`` name: that namespace belongs
to Ansible, and a copy in site-packages would shadow (or be shadowed by) the user's installed collection,
mixing two versions of the generated code.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Optional

PACKAGE = 'ansible_collections.talos.linux'
WIRE = os.path.join('ansible_collections', 'talos', 'linux', 'plugins', 'module_utils', '_api')
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'talos', 'linux')
TARGET = os.path.join('..', '..', '..', '..')


class MissingWireCode(ImportError):
    """No talos.linux collection in reach."""


def _is_checkout() -> bool:
    return os.path.isfile(os.path.join(REPO, 'galaxy.yml')) and \
        os.path.isdir(os.path.join(REPO, 'plugins', 'module_utils', '_api'))


def _checkout_root() -> str:
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(TARGET, LINK)
        except FileExistsError:
            pass  # created concurrently (another process), or a directory someone put there
    return COLLECTIONS


def _candidates() -> list[str]:
    paths = []
    for var in ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_COLLECTIONS_PATHS'):
        paths += [p for p in os.environ.get(var, '').split(os.pathsep) if p]
    paths += [os.path.expanduser('~/.ansible/collections'), '/usr/share/ansible/collections']
    # a path may name the collections root or its ansible_collections directory
    return [os.path.dirname(p.rstrip(os.sep)) if os.path.basename(p.rstrip(os.sep)) == 'ansible_collections'
            else p for p in paths]


def _importable() -> bool:
    try:
        return importlib.util.find_spec(PACKAGE + '.plugins.module_utils._api') is not None
    except ImportError:
        return False


def _put_first(root: str) -> None:
    if sys.path[:1] != [root]:
        if root in sys.path:
            sys.path.remove(root)
        sys.path.insert(0, root)


def ensure() -> Optional[str]:
    """Make the wire code importable; returns the collections root used (None: already importable)."""
    if _is_checkout():
        _put_first(_checkout_root())
        return COLLECTIONS
    if _importable():
        return None
    for root in _candidates():
        if os.path.isdir(os.path.join(root, WIRE)):
            _put_first(root)
            return root
    raise MissingWireCode(
        'talos-sim needs the talos.linux collection for its generated gRPC code (%s) and found none: install '
        'it (ansible-galaxy collection install talos.linux) or set ANSIBLE_COLLECTIONS_PATH to the directory '
        'that holds ansible_collections/talos/linux; searched: %s' % (WIRE, ', '.join(_candidates())))
