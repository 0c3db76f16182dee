# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller: read if present, write atomically with a fixed mode, never rewrite unchanged content.

Private module: free to change between releases.
"""

from __future__ import annotations

import os
import stat
import tempfile

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


class FileError(TalosError):
    """A file that cannot be read or written where asked."""


def read_bytes(path: str) -> bytes | None:
    """The file's content, or None when it does not exist."""
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError('%s: cannot read: %s' % (path, exc.strerror or exc)) from None


def read_text(path: str) -> str | None:
    data = read_bytes(path)
    return None if data is None else data.decode('utf-8', errors='replace')


def would_change(path: str, data: str | bytes, mode: int = 0o600) -> bool:
    """Whether atomic_write would write (content or permission bits differ, or no file yet)."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    if read_bytes(path) != data:
        return True
    return stat.S_IMODE(os.stat(path).st_mode) != mode


def check_parent(path: str) -> str:
    """The directory path goes into; FileError when it is missing or not a directory."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise FileError('%s: parent directory %s does not exist' % (path, parent))
    return parent


def atomic_write(path: str, data: str | bytes, mode: int = 0o600) -> bool:
    """Write data to path through a temporary file in the same directory; True when anything changed.

    The temporary file gets ``mode`` before any data goes in, is flushed to disk and then renamed
    over path, so readers see the old file or the new one, never a partial one. An existing file
    with the same content only has its permission bits corrected (if needed).
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    parent = check_parent(path)
    if read_bytes(path) == data:
        if stat.S_IMODE(os.stat(path).st_mode) == mode:
            return False
        os.chmod(path, mode)
        return True
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    except OSError as exc:
        raise FileError('%s: cannot create a temporary file in %s: %s' % (path, parent, exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, 'wb') as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise FileError('%s: cannot write: %s' % (path, exc.strerror or exc)) from None
    sync_directory(parent)
    return True


def sync_directory(path: str) -> None:
    """Make the rename durable (best effort: not every filesystem allows opening a directory)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
