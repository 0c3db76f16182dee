# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bootstrap lock's file in a possibly shared temp directory (plugins/module_utils/etcd/bootstrap_lock.py);
the lock itself is exercised by the bootstrap races in tests/faults."""

from __future__ import annotations

import asyncio
import os
import stat
import tempfile

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.connection import ConnectionSettings
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.etcd.bootstrap_lock import bootstrap_lock, lock_path


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    return ConnectionSettings(endpoints=['10.5.0.2'], ca=b'cluster-ca')


def hold(settings):
    async def body():
        async with bootstrap_lock(settings, Deadline(1.0)):
            return True
    return asyncio.run(body())


def test_the_lock_file_is_a_private_regular_file_that_stays(settings):
    assert hold(settings)
    info = os.lstat(lock_path(settings))
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert hold(settings), 'taken again once released'


def test_a_planted_symlink_is_not_followed(settings, tmp_path):
    victim = tmp_path / 'victim'
    os.symlink(str(victim), lock_path(settings))
    with pytest.raises(TalosError, match='cannot open the bootstrap lock .*symbolic link'):
        hold(settings)
    assert not os.path.exists(str(victim)), 'nothing created through the link'


def test_a_lock_path_that_is_not_a_regular_file_is_refused(settings):
    os.mkfifo(lock_path(settings), 0o600)
    with pytest.raises(TalosError, match='not a regular file of this user'):
        hold(settings)
