# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""META keys: read through the MetaKeys resource, written only when they differ.

Private module: free to change between releases.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

META_KEYS = ('runtime', 'MetaKeys.runtime.talos.dev')


def parse_key(value: Any) -> int:
    """A META key as an integer 0..255, given as a number or a string such as '10' or '0x0a'."""
    try:
        key = value if isinstance(value, int) else int(str(value).strip(), 0)
    except ValueError:
        raise TalosError('key: %r is not a number (use e.g. 10 or 0x0a)' % (value,)) from None
    if not 0 <= key <= 0xff:
        raise TalosError('key: %d is out of range: META keys are 0 to 255 (0x00 to 0xff)' % key)
    return key


async def read_value(client: TalosClient, key: int, node: str | None) -> str | None:
    try:
        resource = await client.get_resource(META_KEYS[0], META_KEYS[1], '0x%02x' % key, node=node)
    except TalosError as exc:
        if exc.code == 'NOT_FOUND':
            return None
        raise
    return (resource['spec'] or {}).get('value', '')


async def ensure(client: TalosClient, node: str | None, key: int, value: str | None, present: bool,
                 check_mode: bool) -> dict[str, Any]:
    """Make the key hold value (present) or not exist (absent); {changed, before, after}."""
    before = await read_value(client, key, node)
    after = value if present else None
    changed = before != after
    if changed and not check_mode:
        if present:
            await client.meta_write(key, (value or '').encode('utf-8'), node=node)
        else:
            await client.meta_delete(key, node=node)
    return {'changed': changed, 'before': before, 'after': after}
