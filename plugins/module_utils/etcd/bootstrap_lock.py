# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One bootstrap of a cluster at a time on this machine: the last check and the Bootstrap call under one lock.

Several hosts of a play (forks) or several playbook runs may call bootstrap for the same cluster at the same
moment; each would find no etcd anywhere and bootstrap its own node. Holding an exclusive lock from the last
check until Talos has accepted the Bootstrap makes the next caller's check see that bootstrap. The lock is an
flock(2) on a file named after the cluster's CA (so every caller of one cluster, whatever control plane it
targets, takes the same one); the kernel drops it when the holder dies, so a killed run never blocks the next.
The empty file stays in the temp directory: removing it would let two callers lock two different files.

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
from typing import AsyncIterator

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline

POLL = 0.1


def lock_path(settings: ConnectionSettings) -> str:
    """The lock file of the cluster the settings talk to (by its CA; by its endpoints when there is none)."""
    identity = settings.ca or '\n'.join(sorted(settings.endpoints)).encode()
    digest = hashlib.sha256(identity).hexdigest()[:16]
    # Per user: another user's lock file in a shared temp directory could not be opened.
    return os.path.join(tempfile.gettempdir(), 'talos.linux-bootstrap-%d-%s.lock' % (os.getuid(), digest))


def _open_own_file(path: str) -> int:
    """Open (or create) the lock file, which must be a regular file of this user. The temp directory may be
    shared: a symlink planted there must not make the lock create or open another file (O_NOFOLLOW), and a
    file someone else made must not become ours to wait on."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise TalosError('cannot open the bootstrap lock %s: %s (a symbolic link, or a file of another user?)'
                         % (path, exc.strerror)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        raise TalosError('the bootstrap lock %s is not a regular file of this user: remove it' % path)
    return fd


@contextlib.asynccontextmanager
async def bootstrap_lock(settings: ConnectionSettings, deadline: Deadline) -> AsyncIterator[None]:
    """Hold the cluster's bootstrap lock; TalosError when another holder keeps it past the deadline."""
    path = lock_path(settings)
    fd = _open_own_file(path)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline.expired():
                    raise TalosError('another bootstrap of this cluster is still running on this machine '
                                     '(it holds %s)' % path) from None
                await asyncio.sleep(POLL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
