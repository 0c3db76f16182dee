# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Protobuf wire encoding of resource specs that Talos marshals from ``protobuf:"N"`` struct tags (siderolabs/protoenc),
for specs with no .proto file in the API: zero values are left out, fields go in number order."""

from __future__ import annotations

from typing import Union

Value = Union[str, bool, int, bytes, 'Message']
Message = list[tuple[int, Value]]


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def encode(message: Message) -> bytes:
    out = bytearray()
    for number, value in sorted(message, key=lambda field: field[0]):
        if isinstance(value, bool) or isinstance(value, int):
            if value:
                out += _varint(number << 3) + _varint(int(value))
            continue
        data = encode(value) if isinstance(value, list) else value.encode() if isinstance(value, str) else value
        if data:
            out += _varint(number << 3 | 2) + _varint(len(data)) + data
    return bytes(out)
