# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go's ``netip.ParseAddr`` as far as its errors go: Talos parses HealthCheck's node lists with it
(pkg/cluster/cluster.go:IPToNodeInfo @ v1.13.9), so a hostname fails at once with Go's text."""

from __future__ import annotations

import ipaddress
import json


class ParseAddrError(ValueError):
    def __init__(self, text: str, msg: str, at: str = '') -> None:
        message = 'ParseAddr(%s): %s' % (json.dumps(text), msg)
        if at:
            message += ' (at %s)' % json.dumps(at)
        super().__init__(message)


def _parse_ipv4(text: str) -> None:
    fields, digits, value = 0, 0, 0
    for i, char in enumerate(text):
        if char.isdigit() and char.isascii():
            if digits == 1 and value == 0:
                raise ParseAddrError(text, 'IPv4 field has octet with leading zero')
            value = value * 10 + int(char)
            digits += 1
            if value > 255:
                raise ParseAddrError(text, 'IPv4 field has value >255')
        elif char == '.':
            if digits == 0:
                raise ParseAddrError(text, 'IPv4 field must have at least one digit', text[i:])
            if fields == 3:
                raise ParseAddrError(text, 'IPv4 address too long')
            fields, digits, value = fields + 1, 0, 0
        else:
            raise ParseAddrError(text, 'unexpected character', text[i:])
    if fields < 3:
        raise ParseAddrError(text, 'IPv4 address too short')
    if digits == 0:
        raise ParseAddrError(text, 'IPv4 field must have at least one digit', text[len(text):] or '')


def parse_addr(text: str) -> str:
    """The address in its canonical form; ParseAddrError with Go's message otherwise."""
    for char in text:
        if char == '.':
            _parse_ipv4(text)
            return str(ipaddress.ip_address(text))
        if char == ':':
            try:
                return str(ipaddress.ip_address(text.split('%', 1)[0]))
            except ValueError:
                raise ParseAddrError(text, 'unable to parse IPv6 address') from None
        if char == '%':
            raise ParseAddrError(text, 'missing IPv6 address')
    raise ParseAddrError(text, 'unable to parse IP')
