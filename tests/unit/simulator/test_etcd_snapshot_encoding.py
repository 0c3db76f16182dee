# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's hand-encoded snapshot messages are byte for byte what the generated common.Data class encodes."""

from __future__ import annotations

import struct

import pytest

from simulator.api import common_pb2
from simulator.handlers.etcd import TALOS_SNAPSHOT_CHUNK, data_payloads


def decode(payload: bytes) -> bytes:
    compressed, length = struct.unpack('>?I', payload[:5])
    assert not compressed and length == len(payload) - 5
    return payload[5:]


@pytest.mark.parametrize('size', [0, 1, 127, 128, 1023, 1024, 1025, 3 * 1024, 32 * 1024 + 17])
def test_payloads_are_the_generated_encoding_of_each_chunk(size):
    blob = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    payloads = data_payloads(blob)
    expected = [blob[start:start + TALOS_SNAPSHOT_CHUNK] for start in range(0, size, TALOS_SNAPSHOT_CHUNK)]
    assert [decode(payload) for payload in payloads] == [
        common_pb2.Data(bytes=chunk).SerializeToString() for chunk in expected]
    assert [common_pb2.Data.FromString(decode(payload)).bytes for payload in payloads] == expected
