# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller: read if present, write atomically with a fixed mode, never rewrite unchanged content.

Every write goes through a temporary file next to its target, named ``.<target>.talos-tmp-<host>-<pid>-<random>``:
private (0600) from the moment it exists, since it may hold key material, and recognisable, so that the next run
writing the same target removes what a killed run left behind. Only temporary files of this controller whose
writer process is gone are removed: a concurrent run's file is never touched.

Private module: free to change between releases.
"""

from __future__ import annotations

import fnmatch
import os
import re
import secrets
import socket
import stat

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError


class FileError(TalosError):
    """A file that cannot be read or written where asked."""


TEMP_MARK = 'talos-tmp'
_TEMP_NAME = re.compile(r'^\.(?P<target>.+)\.%s-(?P<host>[A-Za-z0-9.-]+)-(?P<pid>[0-9]+)-[0-9a-f]{8}(?:\.part)?$'
                        % TEMP_MARK)


def _host() -> str:
    """This controller's name as it goes into a temporary file's name (so another machine's files are left alone)."""
    return re.sub(r'[^A-Za-z0-9.-]', '-', socket.gethostname())[:40] or 'localhost'


def temp_path(path: str, suffix: str = '') -> str:
    """A new temporary file name for ``path``, in its directory."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, '.%s.%s-%s-%d-%s%s' % (name, TEMP_MARK, _host(), os.getpid(),
                                                          secrets.token_hex(4), suffix))


def _writer_gone(pid: int) -> bool:
    """Whether process ``pid`` of this machine has ended (a zombie, killed but not yet reaped, has)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # a process of another user: still there
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii', errors='replace') as f:
            return f.read().rpartition(')')[2].split()[:1] == ['Z']
    except OSError:
        return False


def remove_stale_temps(path: str, target_pattern: str | None = None) -> list[str]:
    """Remove the temporary files a killed run left for ``path`` (or for targets matching ``target_pattern``,
    an fnmatch pattern of names in path's directory); the paths removed."""
    directory = os.path.dirname(os.path.abspath(path))
    pattern = target_pattern if target_pattern is not None else _escape(os.path.basename(path))
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in sorted(names):
        match = _TEMP_NAME.match(name)
        if not match or not fnmatch.fnmatchcase(match.group('target'), pattern):
            continue
        if match.group('host') != _host() or not _writer_gone(int(match.group('pid'))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise FileError('%s: cannot remove the temporary file %s left by an interrupted run: %s'
                            % (path, name, exc.strerror or exc)) from None
        removed.append(os.path.join(directory, name))
    return removed


def _escape(name: str) -> str:
    """``name`` as an fnmatch pattern matching only itself."""
    return re.sub(r'([*?[])', r'[\1]', name)


def create_temp(path: str, suffix: str = '') -> tuple[int, str]:
    """Open a new private temporary file for ``path`` (mode 0600 at creation); its descriptor and name."""
    parent = check_parent(path)
    tmp = temp_path(path, suffix)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NOFOLLOW', 0)
    try:
        return os.open(tmp, flags, 0o600), tmp
    except OSError as exc:
        raise FileError('%s: cannot create a temporary file in %s: %s' % (path, parent, exc.strerror or exc)) from None


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

    The temporary file is private from its creation, gets ``mode`` once written, is flushed to disk and
    then renamed over path, so readers see the old file or the new one, never a partial one. An existing
    file with the same content only has its permission bits corrected (if needed). Temporary files an
    interrupted run left for path are removed first.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    parent = check_parent(path)
    remove_stale_temps(path)
    if read_bytes(path) == data:
        if stat.S_IMODE(os.stat(path).st_mode) == mode:
            return False
        os.chmod(path, mode)
        return True
    fd, tmp = create_temp(path)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
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
