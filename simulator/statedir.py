# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files of a fleet's state directory, atomic writes, and finding the fleet's server process."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Optional


class StateDir:
    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def join(self, *parts: str) -> str:
        return os.path.join(self.path, *parts)

    @property
    def pid_file(self) -> str:
        return self.join('sim.pid')

    @property
    def log_file(self) -> str:
        return self.join('sim.log')

    @property
    def control_socket(self) -> str:
        return self.join('control.sock')

    @property
    def cluster_file(self) -> str:
        return self.join('cluster.json')

    @property
    def talosconfig(self) -> str:
        return self.join('talosconfig')

    @property
    def secrets_dir(self) -> str:
        return self.join('secrets')

    def read_pid(self) -> Optional[int]:
        try:
            with open(self.pid_file, encoding='ascii') as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def running_pid(self) -> Optional[int]:
        """The pid of this state dir's live server process, if any."""
        pid = self.read_pid()
        return pid if pid is not None and is_fleet_process(pid) else None


def write_atomic(path: str, data: bytes | str, mode: int = 0o644) -> None:
    """Write via a temp file in the same directory and rename, so readers never see half a file."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: str, value: Any) -> None:
    write_atomic(path, json.dumps(value, indent=2) + '\n')


def process_alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) counts as gone."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii', errors='replace') as f:
            stat = f.read()
    except OSError:
        return False
    return stat.rsplit(')', 1)[-1].split()[0] != 'Z'


def is_fleet_process(pid: int) -> bool:
    """A live ``python -m simulator serve`` process (guards against recycled pids)."""
    if not process_alive(pid):
        return False
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            argv = f.read().split(b'\0')
    except OSError:
        return False
    return b'simulator' in argv and b'serve' in argv
