# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Just enough of the bbolt file format to read an etcd snapshot's revision, page by page from disk.

bbolt (little-endian): two meta pages at the start (the valid one with the higher transaction id
wins) name the root bucket's page; branch pages lead to leaf pages; a bucket's value is its own
root page id (or, for a small bucket, an inline page). etcd keeps its key history in the bucket
``key``, keyed by revision (8-byte big-endian main revision, ``_``, 8-byte sub revision), so the
last key of that bucket holds the snapshot's revision. Only the pages on the way to it are read.

Private module: free to change between releases.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

MAGIC = 0xED0CDAED
PAGE_HEADER = 16  # id u64, flags u16, count u16, overflow u32
ELEMENT = 16  # branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
BRANCH, LEAF, META = 0x01, 0x02, 0x04
BUCKET_LEAF = 0x01
KEY_BUCKET = b'key'
MAX_DEPTH = 64


class BoltError(TalosError):
    """Not a bbolt database this reader understands."""


def _fnv64a(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


class _Bolt:
    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        first = self._read(0, 4096)
        metas = []
        page_size = struct.unpack_from('<I', first, PAGE_HEADER + 8)[0]
        if page_size < 512 or page_size > 1 << 20:
            raise BoltError('unreadable page size %d' % page_size)
        self.page_size = page_size
        for index in (0, 1):
            page = first if index == 0 else self._read(page_size, page_size)
            meta = page[PAGE_HEADER:PAGE_HEADER + 64]
            if len(meta) < 64:
                continue
            fields = struct.unpack('<IIIIQQQQQQ', meta)  # magic, version, page size, flags, root, sequence,
            magic, version, size, root, txid, checksum = (fields[0], fields[1], fields[2], fields[4], fields[8],
                                                          fields[9])  # freelist, high water, txid, checksum
            if magic == MAGIC and version == 2 and size == page_size and _fnv64a(meta[:56]) == checksum:
                metas.append((txid, root))
        if not metas:
            raise BoltError('no valid bbolt meta page')
        self.root = max(metas)[1]

    def _read(self, offset: int, size: int) -> bytes:
        self.f.seek(offset)
        return self.f.read(size)

    def page(self, pgid: int) -> bytes:
        header = self._read(pgid * self.page_size, PAGE_HEADER)
        if len(header) < PAGE_HEADER:
            raise BoltError('page %d is past the end of the file' % pgid)
        overflow = struct.unpack_from('<I', header, 12)[0]
        return self._read(pgid * self.page_size, (overflow + 1) * self.page_size)

    def last_key_value(self, page: bytes, depth: int = 0) -> tuple[bytes, bytes, int] | None:
        """(key, value, leaf flags) of the last element under ``page``; None when the bucket is empty."""
        if depth > MAX_DEPTH:
            raise BoltError('page tree too deep')
        flags, count = struct.unpack_from('<HH', page, 8)
        if count == 0:
            return None
        offset = PAGE_HEADER + (count - 1) * ELEMENT
        if flags & BRANCH:
            pgid = struct.unpack_from('<Q', page, offset + 8)[0]
            return self.last_key_value(self.page(pgid), depth + 1)
        if not flags & LEAF:
            raise BoltError('unexpected page type 0x%x' % flags)
        leaf_flags, pos, ksize, vsize = struct.unpack_from('<IIII', page, offset)
        start = offset + pos
        return page[start:start + ksize], page[start + ksize:start + ksize + vsize], leaf_flags

    def find(self, page: bytes, key: bytes, depth: int = 0) -> tuple[bytes, int] | None:
        """(value, leaf flags) of ``key`` under ``page``."""
        if depth > MAX_DEPTH:
            raise BoltError('page tree too deep')
        flags, count = struct.unpack_from('<HH', page, 8)
        if flags & BRANCH:
            chosen = None
            for index in range(count):
                offset = PAGE_HEADER + index * ELEMENT
                pos, ksize, pgid = struct.unpack_from('<IIQ', page, offset)
                if page[offset + pos:offset + pos + ksize] > key:
                    break
                chosen = pgid
            return None if chosen is None else self.find(self.page(chosen), key, depth + 1)
        for index in range(count):
            offset = PAGE_HEADER + index * ELEMENT
            leaf_flags, pos, ksize, vsize = struct.unpack_from('<IIII', page, offset)
            start = offset + pos
            if page[start:start + ksize] == key:
                return page[start + ksize:start + ksize + vsize], leaf_flags
        return None

    def bucket_root(self, value: bytes) -> bytes:
        """The root page of a bucket from its value in the parent: a page id, or an inline page (id 0)."""
        root = struct.unpack_from('<Q', value, 0)[0]
        return value[16:] if root == 0 else self.page(root)


def last_revision(path: str) -> int:
    """The revision of an etcd snapshot or db file (0 for a database without keys)."""
    try:
        with open(path, 'rb') as f:
            bolt = _Bolt(f)
            found = bolt.find(bolt.page(bolt.root), KEY_BUCKET)
            if found is None or not found[1] & BUCKET_LEAF:
                raise BoltError('no "key" bucket: not an etcd database')
            last = bolt.last_key_value(bolt.bucket_root(found[0]))
    except (OSError, struct.error) as exc:
        raise BoltError('cannot read %s: %s' % (path, exc)) from None
    if last is None:
        return 0
    return struct.unpack_from('>Q', last[0], 0)[0]
