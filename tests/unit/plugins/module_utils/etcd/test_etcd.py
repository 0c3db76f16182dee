# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure etcd logic: quorum verdicts, member lookup, snapshot files and rotation."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.etcd.backup import destination, remove_snapshots, rotation
from ansible_collections.talos.linux.plugins.module_utils.etcd.etcd import (find_member, format_member_id,
                                                                            parse_member_id, removal_verdict)
from ansible_collections.talos.linux.plugins.module_utils.etcd import snapshot_file
from ansible_collections.talos.linux.plugins.module_utils.etcd.quorum import check_quorum
from ansible_collections.talos.linux.plugins.module_utils.etcd.snapshot_file import (SnapshotError, SnapshotWriter,
                                                                                     verify_file)


def member(number: int, healthy: bool = True, learner: bool = False) -> dict:
    address = '10.5.0.%d' % number
    return {'id': number, 'hostname': 'cp-%d' % number, 'peer_urls': ['https://%s:2380' % address],
            'client_urls': ['https://%s:2379' % address], 'learner': learner, 'healthy': healthy,
            'node': address}


class FakeClient:
    """Member list from any node; status answers only from the healthy nodes."""

    def __init__(self, members: list[dict]) -> None:
        self.members = members

    async def etcd_members(self, node):
        if node == '10.5.0.9':
            raise TalosError('not a control plane', code='UNIMPLEMENTED', node=node)
        return [{k: v for k, v in m.items() if k not in ('healthy', 'node')} for m in self.members]

    async def etcd_status(self, node, timeout=None):
        entry = next(m for m in self.members if m['node'] == node)
        if not entry['healthy']:
            raise TalosError('connection refused', code='UNAVAILABLE', node=node)
        return {'leader': 1, 'errors': [], 'member_id': entry['id']}

    async def hostname(self, node):
        return 'cp-x'


def verdict(members, node):
    return asyncio.run(check_quorum(FakeClient(members), node, status_timeout=1))


def test_three_healthy_members_may_lose_one():
    result = verdict([member(1), member(2), member(3)], '10.5.0.2')
    assert result.safe and result.quorum == 2 and result.tolerance == 1
    assert 'keeps etcd quorum' in result.message


def test_one_member_down_blocks_another():
    result = verdict([member(1), member(2), member(3, healthy=False)], '10.5.0.2')
    assert not result.safe
    assert result.unhealthy == ['cp-3 (10.5.0.3)']
    assert 'would lose etcd quorum' in result.message and 'cp-3' in result.message


def test_member_already_down_or_learner_or_worker_is_safe():
    assert verdict([member(1), member(2), member(3, healthy=False)], '10.5.0.3').safe
    assert verdict([member(1), member(2), member(3, learner=True)], '10.5.0.3').safe
    worker = verdict([member(1), member(2), member(3)], '10.5.0.9')
    assert worker.safe and worker.member is None


def test_removal_verdict():
    entries = [member(1), member(2), member(3, healthy=False)]
    assert not removal_verdict(entries, entries[0])[0]
    assert removal_verdict(entries, entries[2])[0]
    assert not removal_verdict([member(1)], member(1))[0]


def test_member_ids_and_lookup():
    assert format_member_id(0x3a1f) == '0000000000003a1f'
    assert parse_member_id('0000000000003a1f') == 0x3a1f == parse_member_id('0x3A1F')
    assert parse_member_id('talos-cp-1') is None
    entries = [member(1), member(2)]
    assert find_member(entries, 'cp-2') is entries[1]
    assert find_member(entries, '10.5.0.1') is entries[0]
    assert find_member(entries, format_member_id(2)) is entries[1]
    assert find_member(entries, 'cp-9') is None


def snapshot_bytes(pages: int = 3) -> bytes:
    database = os.urandom(4096 * pages)
    return database + hashlib.sha256(database).digest()


# Chunks shorter than the hash, as long, and boundaries that split it; batches written whole at commit, and
# written on the way with a last one shorter than the hash (5, 100: 20 bytes left).
@pytest.mark.parametrize('chunk, batch', [(7, 1 << 20), (1000, 1 << 20), (5, 100), (32, 40)])
def test_snapshot_writer_verifies_and_renames(tmp_path, monkeypatch, chunk, batch):
    monkeypatch.setattr(snapshot_file, 'WRITE_BATCH', batch)
    data = snapshot_bytes()
    dest = tmp_path / 'etcd.snapshot'
    with SnapshotWriter(str(dest)) as writer:
        for offset in range(0, len(data), chunk):
            writer.write(data[offset:offset + chunk])
        facts = writer.commit()
    assert dest.read_bytes() == data
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert facts['sha256'] == hashlib.sha256(data).hexdigest() and facts['hash_verified']
    assert facts['revision'] is None  # random bytes: no bbolt database to read
    assert os.listdir(tmp_path) == ['etcd.snapshot']
    assert verify_file(str(dest)) == {'size': len(data), 'sha256': facts['sha256'], 'hash_verified': True}


@pytest.mark.parametrize('damage', ['flip', 'truncate'])
def test_corrupt_snapshot_leaves_nothing(tmp_path, damage):
    data = bytearray(snapshot_bytes())
    if damage == 'flip':
        data[100] ^= 0xFF
    else:
        del data[-10:]
    dest = tmp_path / 'etcd.snapshot'
    dest.write_bytes(b'previous good backup')
    with pytest.raises(SnapshotError):
        with SnapshotWriter(str(dest)) as writer:
            writer.write(bytes(data))
            writer.commit()
    assert dest.read_bytes() == b'previous good backup'
    assert os.listdir(tmp_path) == ['etcd.snapshot']
    corrupt = tmp_path / 'corrupt'
    corrupt.write_bytes(bytes(data))
    with pytest.raises(SnapshotError):
        verify_file(str(corrupt))
    assert verify_file(str(corrupt), skip_hash_check=True)['hash_verified'] is False


def test_missing_directory(tmp_path):
    with pytest.raises(SnapshotError, match='does not exist'):
        SnapshotWriter(str(tmp_path / 'missing' / 'etcd.snapshot'))


def test_destination_and_rotation(tmp_path):
    assert destination(str(tmp_path / 'x.db'), 'cp-1') == str(tmp_path / 'x.db')
    name = destination(str(tmp_path), 'cp-1', now=0)
    assert name == str(tmp_path / 'etcd-cp-1-19700101T000000Z.snapshot')
    for stamp in ('20260101T000000Z', '20260102T000000Z', '20260103T000000Z'):
        (tmp_path / ('etcd-cp-1-%s.snapshot' % stamp)).write_bytes(b'')
    (tmp_path / 'etcd-cp-2-20250101T000000Z.snapshot').write_bytes(b'')
    assert rotation(str(tmp_path), 'cp-1', 2) == [str(tmp_path / 'etcd-cp-1-20260101T000000Z.snapshot')]
    assert rotation(str(tmp_path), 'cp-1', 0) == []


def test_removing_rotated_snapshots(tmp_path):
    old, kept = tmp_path / 'etcd-cp-1-a.snapshot', tmp_path / 'etcd-cp-1-b.snapshot'
    for path in (old, kept):
        path.write_bytes(b'')
    remove_snapshots([str(old)])
    assert not old.exists() and kept.exists()
    with pytest.raises(SnapshotError, match='%s: cannot remove' % old):  # a TalosError: the task fails naming it
        remove_snapshots([str(old)])
