# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.talos.linux.plugins.module_utils.frontend import files


def test_atomic_write_creates_0600_and_skips_unchanged(tmp_path):
    path = tmp_path / 'f'
    assert files.atomic_write(str(path), 'one\n') is True
    assert path.read_text() == 'one\n' and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    inode = os.stat(path).st_ino
    assert files.atomic_write(str(path), b'one\n') is False
    assert os.stat(path).st_ino == inode, 'unchanged content is not rewritten'
    assert files.atomic_write(str(path), 'two\n') is True
    assert path.read_text() == 'two\n'
    assert [p.name for p in tmp_path.iterdir()] == ['f'], 'no temporary file left behind'


def test_atomic_write_fixes_the_mode_only(tmp_path):
    path = tmp_path / 'f'
    path.write_text('x')
    os.chmod(path, 0o644)
    inode = os.stat(path).st_ino
    assert files.would_change(str(path), 'x')
    assert files.atomic_write(str(path), 'x') is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and os.stat(path).st_ino == inode
    assert not files.would_change(str(path), 'x')


def test_missing_parent_directory_is_refused(tmp_path):
    with pytest.raises(files.FileError, match='parent directory .*/missing does not exist'):
        files.atomic_write(str(tmp_path / 'missing' / 'f'), 'x')
    assert not (tmp_path / 'missing').exists()


def test_read_missing_is_none(tmp_path):
    assert files.read_text(str(tmp_path / 'nope')) is None


def test_temp_files_are_private_and_recognisable(tmp_path):
    fd, tmp = files.create_temp(str(tmp_path / 'target'))
    os.close(fd)
    assert os.path.basename(tmp).startswith('.target.%s-' % files.TEMP_MARK)
    assert stat.S_IMODE(os.stat(tmp).st_mode) == 0o600


def test_only_temp_files_of_gone_writers_of_that_target_are_removed(tmp_path):
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    gone = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True,
                          check=True)
    dead_pid = int(gone.stdout)
    own = os.path.basename(files.temp_path(str(tmp_path / 'target')))
    dead = own.replace('-%d-' % os.getpid(), '-%d-' % dead_pid)
    other_target = dead.replace('.target.', '.other.')
    for name in (own, dead, other_target, '.target.unrelated.tmp'):
        (tmp_path / name).write_text('x')
    assert files.remove_stale_temps(str(tmp_path / 'target')) == [str(tmp_path / dead)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([own, other_target, '.target.unrelated.tmp'])
