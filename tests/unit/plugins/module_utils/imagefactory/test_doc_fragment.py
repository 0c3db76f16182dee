# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Image Factory doc fragment documents exactly the options the modules take."""

from __future__ import annotations

import yaml

from ansible_collections.talos.linux.plugins.doc_fragments.image_factory import ModuleDocFragment
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import ARGUMENT_SPEC


def test_fragment_and_spec_agree():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert list(options) == list(ARGUMENT_SPEC)
    for name, doc in options.items():
        assert (doc['type'], doc.get('default')) == (ARGUMENT_SPEC[name]['type'], ARGUMENT_SPEC[name].get('default'))
