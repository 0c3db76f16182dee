# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make sure a factory has a schematic, sending it only when the factory does not have it yet.

The factory answers every accepted POST /schematics with 201 Created, whether it stored the schematic just now
or long ago (siderolabs/image-factory ``internal/frontend/http/configuration.go:handleSchematicCreate`` @ 26b95ca),
so the POST cannot say whether anything changed. GET /schematics/<id> can (``handleSchematicGet``: 200 with the
schematic, 404 when unknown), and the ID is known before asking because it is computed here.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.imagefactory import schematic as schematics
from ansible_collections.talos.linux.plugins.module_utils.imagefactory.client import FactoryClient, FactoryError


def ensure_schematic(client: FactoryClient, value: Any, check_mode: bool) -> dict[str, Any]:
    """``id``, canonical ``schematic`` and ``created`` (None in check mode, where nothing is sent)."""
    schematic = schematics.load(value)
    text = schematics.marshal(schematic)
    local_id = schematics.schematic_id(schematic)
    result: dict[str, Any] = {'id': local_id, 'schematic': text, 'created': None}
    if check_mode:
        return result
    if client.schematic(local_id) is not None:
        result['created'] = False
        return result
    answer = client.create_schematic(text)
    if answer['id'] != local_id:
        error = FactoryError('the Image Factory at %s gave the schematic ID %s, but this collection computes %s '
                             'for it; the factory writes schematics differently (its canonical form: %r, ours: %r)' % (
                                 client.url, answer['id'], local_id, answer.get('schematic'), text),
                             client.url + '/schematics', 201)
        error.result.update(changed=True, created=True, id=answer['id'], schematic=answer.get('schematic'))
        raise error
    result['created'] = True
    return result
