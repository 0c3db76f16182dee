# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Taking an etcd snapshot to a controller file, rotating old ones, and uploading one for recovery.

Private module: free to change between releases.
"""

from __future__ import annotations

import glob
import os
import time
from typing import Any

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import not_a_control_plane
from ansible_collections.talos.linux.plugins.module_utils.etcd.snapshot_file import (SnapshotError, SnapshotWriter,
                                                                                     read_chunks, verify_file)

PREFIX = 'etcd-'
SUFFIX = '.snapshot'
SNAPSHOT_TIMEOUT = 3600.0


def destination(dest: str, hostname: str, now: float | None = None) -> str:
    """``dest`` itself, or a new time-stamped file name when ``dest`` is a directory."""
    if not os.path.isdir(dest):
        return dest
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now if now is not None else time.time()))
    return os.path.join(dest, '%s%s-%s%s' % (PREFIX, hostname or 'node', stamp, SUFFIX))


def check_destination(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise SnapshotError('dest %s: directory %s does not exist' % (path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise SnapshotError('dest %s: directory %s is not writable' % (path, directory))


def rotation(directory: str, hostname: str, keep: int) -> list[str]:
    """The snapshots of ``hostname`` in ``directory`` beyond the ``keep`` newest (names sort by time)."""
    files = sorted(glob.glob(os.path.join(glob.escape(directory), siblings(hostname))))
    return files[:-keep] if keep > 0 else []


def remove_snapshots(paths: list[str]) -> None:
    """Delete the snapshots ``rotation`` chose; the first that cannot be removed fails the run."""
    for path in paths:
        try:
            os.unlink(path)
        except OSError as exc:
            raise SnapshotError('%s: cannot remove: %s' % (path, exc.strerror or exc)) from None


def siblings(hostname: str) -> str:
    """The names ``destination`` gives a node's snapshots in a directory, as an fnmatch pattern."""
    return '%s%s-*%s' % (PREFIX, glob.escape(hostname or 'node'), SUFFIX)


async def take_snapshot(client: TalosClient, node: str | None, path: str, timeout: float = SNAPSHOT_TIMEOUT,
                        stale_pattern: str | None = None) -> dict[str, Any]:
    """Stream the node's snapshot into ``path`` (atomic, 0600, verified); the file's facts.

    ``stale_pattern``: whose leftover temporary files to remove first (see SnapshotWriter).
    """
    with SnapshotWriter(path, stale_pattern=stale_pattern) as writer:
        try:
            async for chunk in client.etcd_snapshot(node, timeout=timeout):
                writer.write(chunk)
        except TalosError as exc:
            raise not_a_control_plane(exc, node) from None
        return writer.commit(verify=True)


async def upload_snapshot(client: TalosClient, node: str | None, path: str, skip_hash_check: bool) -> dict[str, Any]:
    """Verify a snapshot file locally, then upload it with EtcdRecover (read from disk chunk by chunk)."""
    facts = verify_file(path, skip_hash_check)
    try:
        await client.etcd_recover(read_chunks(path), node, timeout=SNAPSHOT_TIMEOUT)
    except TalosError as exc:
        raise not_a_control_plane(exc, node) from None
    return facts
