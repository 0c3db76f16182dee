# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd snapshot files on the controller: streamed in atomically, verified, read back in chunks.

An etcd v3 snapshot is the member's bbolt database followed by the SHA-256 of that database (etcd
appends it when it streams a snapshot). A database is a whole number of pages, so a file whose
size modulo 512 is 32 carries the hash. ``SnapshotWriter`` writes chunks to a temporary ``.part`` file
in the destination directory (private from creation, named as frontend/files.py names temporary files,
so the next snapshot into that directory removes one a killed run left) while hashing them, and
``commit()`` checks the integrity hash, fsyncs and renames over the destination: a failed or corrupt
snapshot never replaces anything. Memory use is one chunk plus at most WRITE_BATCH bytes, whatever the snapshot
size.

Private module: free to change between releases.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Iterator

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.bbolt import BoltError, last_revision
from ansible_collections.talos.linux.plugins.module_utils.frontend.files import (FileError, create_temp,
                                                                                 remove_stale_temps, sync_directory)

HASH_SIZE = 32
READ_CHUNK = 1 << 20
WRITE_BATCH = 1 << 20


class SnapshotError(TalosError):
    """A snapshot that cannot be written or does not verify."""


class SnapshotWriter:
    """Write a snapshot stream to ``path`` atomically; use as a context manager, call ``commit()``.

    ``stale_pattern`` (an fnmatch pattern of file names) says whose leftover ``.part`` files to remove
    first: by default those of ``path``; a new time-stamped name needs the pattern of its siblings.
    """

    def __init__(self, path: str, mode: int = 0o600, stale_pattern: str | None = None) -> None:
        self.path = os.path.abspath(path)
        self.directory = os.path.dirname(self.path)
        self.mode = mode
        self.size = 0
        self._db_hash = hashlib.sha256()
        self._tail = b''  # the last HASH_SIZE bytes written: maybe the appended hash
        self._pending = bytearray()  # received, not yet written: less than WRITE_BATCH bytes
        if not os.path.isdir(self.directory):
            raise SnapshotError('%s: directory %s does not exist' % (path, self.directory))
        try:
            remove_stale_temps(self.path, stale_pattern)
            fd, self.tmp = create_temp(self.path, '.part')
        except FileError as exc:
            raise SnapshotError(str(exc)) from None
        self._file = os.fdopen(fd, 'wb')

    def __enter__(self) -> 'SnapshotWriter':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.discard()

    def write(self, chunk: bytes) -> None:
        # Talos sends a snapshot in messages of at most 1 KiB (Server.EtcdSnapshot @ v1.13.9 reads etcd through
        # pkg/chunker/stream's default 1024-byte buffer): small chunks are gathered to write and hash WRITE_BATCH
        # bytes at a time, and a chunk that big already (client.bulk_stream joins messages) goes out uncopied.
        self.size += len(chunk)
        if not self._pending and len(chunk) >= WRITE_BATCH:
            self._write_out(chunk)
            return
        self._pending += chunk
        if len(self._pending) >= WRITE_BATCH:
            self._drain()

    def _drain(self) -> None:
        self._write_out(self._pending)
        self._pending = bytearray()

    def _write_out(self, chunk: bytes | bytearray) -> None:
        """Write and hash bytes in one pass: all but the last HASH_SIZE bytes seen are database, and the file's
        own sha256 is the database's continued over that tail (see commit)."""
        with memoryview(chunk) as data:
            try:
                self._file.write(data)
            except OSError as exc:
                raise SnapshotError('%s: cannot write: %s' % (self.path, exc.strerror or exc)) from None
            if len(data) >= HASH_SIZE:
                self._db_hash.update(self._tail)
                self._db_hash.update(data[:-HASH_SIZE])
                self._tail = bytes(data[-HASH_SIZE:])
            else:
                joined = self._tail + bytes(data)
                self._db_hash.update(joined[:-HASH_SIZE])
                self._tail = joined[-HASH_SIZE:]

    @property
    def has_hash(self) -> bool:
        return self.size % 512 == HASH_SIZE

    def commit(self, verify: bool = True) -> dict[str, Any]:
        """Check, fsync and rename over the destination; the file's size, sha256, revision and hash check."""
        if self.size == 0:
            raise SnapshotError('the snapshot is empty')
        self._drain()
        verified = False
        if verify:
            if not self.has_hash:
                raise SnapshotError('the snapshot carries no integrity hash (size %d bytes): incomplete or not an '
                                    'etcd snapshot' % self.size)
            if self._db_hash.digest() != self._tail:
                raise SnapshotError('the snapshot integrity hash does not match its content: the snapshot is corrupt')
            verified = True
        try:
            self._file.flush()
            os.fchmod(self._file.fileno(), self.mode)
            os.fsync(self._file.fileno())
            self._file.close()
            revision = _revision(self.tmp)
            os.replace(self.tmp, self.path)
        except OSError as exc:
            raise SnapshotError('%s: cannot write: %s' % (self.path, exc.strerror or exc)) from None
        sync_directory(self.directory)
        return {'path': self.path, 'size': self.size, 'sha256': _file_sha256(self._db_hash, self._tail),
                'revision': revision, 'hash_verified': verified}

    def discard(self) -> None:
        """Remove the temporary file unless committed (safe to call twice)."""
        if not self._file.closed:
            self._file.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _file_sha256(db_hash: Any, tail: bytes) -> str:
    """The whole file's sha256 from the database's hash state and the bytes after the database."""
    file_hash = db_hash.copy()
    file_hash.update(tail)
    return file_hash.hexdigest()


def _revision(path: str) -> int | None:
    try:
        return last_revision(path)
    except BoltError:
        return None


def verify_file(path: str, skip_hash_check: bool = False) -> dict[str, Any]:
    """Check a snapshot file before uploading it: readable, non-empty, integrity hash matching (unless skipped)."""
    try:
        size = os.path.getsize(path)
        db_hash = hashlib.sha256()
        with open(path, 'rb') as f:
            remaining = size - HASH_SIZE if size % 512 == HASH_SIZE else size
            while remaining > 0:
                chunk = f.read(min(READ_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                db_hash.update(chunk)
            tail = f.read()
    except OSError as exc:
        raise SnapshotError('%s: cannot read: %s' % (path, exc.strerror or exc)) from None
    if size == 0:
        raise SnapshotError('%s: the file is empty' % path)
    verified = False
    if not skip_hash_check:
        if size % 512 != HASH_SIZE:
            raise SnapshotError('%s: no etcd integrity hash (size %d bytes): not an etcd snapshot, or a copy of a '
                                'data directory (set recover_skip_hash_check to use it anyway)' % (path, size))
        if db_hash.digest() != tail:
            raise SnapshotError('%s: the snapshot integrity hash does not match its content: the file is corrupt'
                                % path)
        verified = True
    return {'size': size, 'sha256': _file_sha256(db_hash, tail), 'hash_verified': verified}


def read_chunks(path: str, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
    """The file's bytes chunk by chunk (read lazily, never all at once)."""
    try:
        with open(path, 'rb') as f:
            while True:
                chunk = f.read(chunk_size)
                if not chunk:
                    return
                yield chunk
    except OSError as exc:
        raise SnapshotError('%s: cannot read: %s' % (path, exc.strerror or exc)) from None
