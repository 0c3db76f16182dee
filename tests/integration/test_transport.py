# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's retry rules, in-process against talos-sim: reads retry, writes never do."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ansible_collections.talos.linux.plugins.module_utils.client.client import TalosClient
from ansible_collections.talos.linux.plugins.module_utils.client.connection import settings_from_options
from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError

COMEBACK = 0.4  # seconds until the stopped machine answers again; inside the read retry window (0.25+0.5+1 s)


def _with_worker_back_later(fleet, call):
    """Stop the worker, run call(client, worker address) at once, bring the worker back COMEBACK s later."""
    worker = next(m for m in fleet.machines if m['type'] == 'worker')
    fleet.ctl('stop', worker['name'])
    comeback = threading.Timer(COMEBACK, fleet.ctl, ('start', worker['name']))

    async def run():
        async with TalosClient(settings_from_options({'talosconfig': fleet.talosconfig})) as client:
            comeback.start()
            return await call(client, worker['address'])
    try:
        return asyncio.run(run())
    finally:
        comeback.join()
        if not comeback.is_alive():
            fleet.ctl('start', worker['name'])  # idempotent: make sure it is back for other tests


def test_reads_are_retried_until_the_machine_answers(fleet):
    info = _with_worker_back_later(fleet, lambda client, node: client.version(node))
    assert info['tag'] == 'v1.14.0'


def test_writes_are_never_retried(fleet):
    async def write(client, node):
        with pytest.raises(TalosError) as failure:
            await client.meta_write(0x0e, b'x', node=node)
        return failure.value
    error = _with_worker_back_later(fleet, write)
    assert error.code == 'UNAVAILABLE'


def test_refused_upload_reports_the_refusal(fleet):
    """A node that refuses a client stream answers and resets it; the answer, not 'connection lost', is reported."""
    async def upload():
        settings = settings_from_options({'talosconfig': fleet.talosconfig, 'context': 'sim-reader'})
        async with TalosClient(settings) as client:
            with pytest.raises(TalosError) as failure:
                await client.etcd_recover([b'x' * 65536] * 64, node=fleet.addresses('controlplane')[0])
        return failure.value
    error = asyncio.run(upload())
    assert error.code == 'PERMISSION_DENIED', str(error)
