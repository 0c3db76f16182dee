# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client for etcd's v3 JSON gateway (``POST /v3/...`` on the client port), no dependencies.

etcd 3.4 serves its gRPC API as JSON over HTTP on the client URL: uint64 fields come as strings,
bytes as base64, errors as ``{"error", "message", "code"}`` with the gRPC code. Blocking urllib
calls run in a worker thread so the fleet's event loop never waits on etcd.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.error
import urllib.request
from typing import Any

DEFAULT_TIMEOUT = 5.0


class EtcdError(Exception):
    """An etcd call failed: ``code`` is the gRPC code etcd gave (None when etcd could not be reached)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _post(url: str, body: dict[str, Any], timeout: float) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b'{}')
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read() or b'{}')
        except ValueError:
            detail = {}
        raise EtcdError(detail.get('message') or detail.get('error') or str(exc), detail.get('code')) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, 'reason', exc)
        raise EtcdError('etcd at %s: %s' % (url.split('/v3/')[0], reason)) from None


class Gateway:
    """One etcd member's client URL."""

    def __init__(self, client_url: str) -> None:
        self.client_url = client_url

    async def call(self, path: str, body: dict[str, Any] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        reply = await asyncio.to_thread(_post, self.client_url + path, body or {}, timeout)
        if isinstance(reply, dict) and 'error' in reply and 'code' in reply:
            raise EtcdError(reply.get('message') or reply['error'], reply['code'])
        return reply

    async def members(self) -> list[dict[str, Any]]:
        reply = await self.call('/v3/cluster/member/list')
        return [member_from_json(member) for member in reply.get('members', [])]

    async def status(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        reply = await self.call('/v3/maintenance/status', timeout=timeout)
        header = reply.get('header', {})
        return {
            'member_id': int(header.get('member_id', 0)),
            'revision': int(header.get('revision', 0)),
            'version': reply.get('version', ''),
            'db_size': int(reply.get('dbSize', 0)),
            'db_size_in_use': int(reply.get('dbSizeInUse', 0)),
            'leader': int(reply.get('leader', 0)),
            'raft_index': int(reply.get('raftIndex', 0)),
            'raft_term': int(reply.get('raftTerm', 0)),
            'raft_applied_index': int(reply.get('raftAppliedIndex', 0)),
            'errors': list(reply.get('errors', [])),
            'is_learner': bool(reply.get('isLearner', False)),
        }

    async def add_learner(self, peer_url: str) -> int:
        reply = await self.call('/v3/cluster/member/add', {'peerURLs': [peer_url], 'isLearner': True})
        return int(reply['member']['ID'])

    async def promote(self, member_id: int) -> None:
        await self.call('/v3/cluster/member/promote', {'ID': str(member_id)})

    async def remove(self, member_id: int) -> None:
        await self.call('/v3/cluster/member/remove', {'ID': str(member_id)})

    async def move_leader(self, target_id: int) -> None:
        await self.call('/v3/maintenance/transfer-leadership', {'targetID': str(target_id)})

    async def alarms(self, action: str = 'GET', member_id: int = 0, alarm: str = 'NONE') -> list[dict[str, Any]]:
        body = {'action': action}
        if member_id:
            body.update(memberID=str(member_id), alarm=alarm)
        reply = await self.call('/v3/maintenance/alarm', body)
        return [{'member_id': int(entry.get('memberID', 0)), 'alarm': entry.get('alarm', 'NONE')}
                for entry in reply.get('alarms', [])]

    async def defragment(self, timeout: float = 120.0) -> None:
        await self.call('/v3/maintenance/defragment', timeout=timeout)

    async def put(self, key: bytes, value: bytes) -> None:
        await self.call('/v3/kv/put', {'key': _b64(key), 'value': _b64(value)}, timeout=30.0)

    async def get(self, key: bytes) -> bytes | None:
        reply = await self.call('/v3/kv/range', {'key': _b64(key)})
        kvs = reply.get('kvs') or []
        return base64.b64decode(kvs[0].get('value', '')) if kvs else None


def member_from_json(member: dict[str, Any]) -> dict[str, Any]:
    return {
        'id': int(member.get('ID', 0)),
        'name': member.get('name', ''),
        'peer_urls': list(member.get('peerURLs', [])),
        'client_urls': list(member.get('clientURLs', [])),
        'is_learner': bool(member.get('isLearner', False)),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode('ascii')
