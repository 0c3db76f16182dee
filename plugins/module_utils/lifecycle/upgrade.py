# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrade one node's Talos, the way its version takes upgrades, and wait until it runs the target.

Paths, as talosctl chooses them: a node newer than 1.13.0-alpha.2 pulls the installer image
(ImageService.Pull), runs it (LifecycleService.Upgrade, streaming the installer's output; a
non-zero exit code is a failure) and is then rebooted (MachineService.Reboot). Older nodes take the
legacy MachineService.Upgrade, which pulls, installs and reboots on the node's side. A node
already running the target version (and the image's schematic, when it names one) is left alone.

The Kubernetes node is drained as talosctl does (see drain_step): by default on the
LifecycleService path, after the install and before the reboot, and uncordoned once the node is
back and Ready; the legacy path is drained by Talos itself unless ``drain`` asks for it.

Private module: free to change between releases.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import SequenceLocked
from ansible_collections.talos.linux.plugins.module_utils.client.version import has_lifecycle_service, parse_version
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.installer_image import (ghcr_published, image_for,
                                                                                            parse_image)
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.quorum_guard import guard_quorum, machine_type
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import reboot_and_wait

EXTENSIONS = ('runtime', 'ExtensionStatuses.runtime.talos.dev')
SCHEMATIC_EXTENSION = 'schematic'  # Image Factory's virtual extension: its version is the schematic ID
OUTPUT_TAIL = 10


async def node_schematic(client: Any, node: Optional[str]) -> Optional[str]:
    schematic, _others = await node_extensions(client, node)
    return schematic


async def node_extensions(client: Any, node: Optional[str]) -> tuple[Optional[str], bool]:
    """(Image Factory schematic ID or None, whether other system extensions run)."""
    schematic, others = None, False
    async for extension in client.list_resources(*EXTENSIONS, node=node):
        metadata = (extension['spec'] or {}).get('metadata') or {}
        if metadata.get('name') == SCHEMATIC_EXTENSION:
            schematic = metadata.get('version') or None
        else:
            others = True
    return schematic, others


def target_of(image: Optional[str], version: Optional[str], schematic: Optional[str],
              platform: Optional[str], custom: bool = False) -> tuple[str, str, Optional[str]]:
    """(image, version tag, schematic or None) to upgrade to, from the options and the node's schematic."""
    if version is not None and parse_version(version) is None:
        raise TalosError('version %r is not a Talos version tag such as v1.14.1' % version)
    if version is not None and not version.startswith('v'):
        version = 'v' + version
    if image is None:
        if version is None:
            raise TalosError('give image, version or both')
        if custom and not schematic and not ghcr_published(version):
            # System extensions without an Image Factory schematic: a custom installer, which we cannot name.
            raise TalosError('cannot tell which installer image to use for Talos %s: the node runs system extensions '
                             'but no Image Factory schematic, and ghcr.io/siderolabs/installer is not published '
                             'from Talos 1.14 on; give image' % version)
        default = image_for(version, schematic, platform)
        return default, version, schematic
    parsed = parse_image(image)
    if version is not None and parsed.tag is not None and parsed.tag != version:
        raise TalosError('image %s is Talos %s, but version is %s' % (image, parsed.tag, version))
    tag = version or parsed.tag
    if tag is None:
        raise TalosError('cannot tell which Talos version image %s installs: give version too' % image)
    return parsed.reference, tag, parsed.schematic


def choose_api(api: str, current_version: Optional[str]) -> str:
    if api != 'auto':
        return api
    return 'lifecycle' if has_lifecycle_service(current_version) else 'legacy'


async def _install(client: Any, node: Optional[str], image: str, timeout: float,
                   result: dict[str, Any]) -> None:
    """Pull the installer and run it (1.13+); the installer's lines go into ``result['installer_output']``."""
    started = time.monotonic()
    pulled = image
    async for progress in client.image_pull(image, node, timeout=timeout):
        pulled = progress.get('name', pulled)
    result['pulled_image'] = pulled
    result['durations']['pull'] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    lines: list[str] = []
    result['installer_output'] = lines
    exit_code = None
    async for progress in client.lifecycle_upgrade(pulled, node, timeout=timeout):
        if 'message' in progress:
            lines.append(progress['message'])
        else:
            exit_code = progress['exit_code']
    result['durations']['install'] = round(time.monotonic() - started, 3)
    if exit_code != 0:
        ending = 'exited with code %s' % exit_code if exit_code is not None else 'ended without an exit code'
        raise TalosError('the installer %s; its last lines:\n%s' % (ending, '\n'.join(lines[-OUTPUT_TAIL:])),
                         node=node, result=result)


async def upgrade(client: Any, node: Optional[str], *, image: Optional[str], version: Optional[str], api: str,
                  reboot_mode: str, stage: bool, preserve: bool, force: bool, wait: bool, timeout: float,
                  check_mode: bool, drain: DrainStep) -> dict[str, Any]:
    started = time.monotonic()
    info = await client.version(node)
    current, platform = info['tag'], (info.get('platform') or {}).get('name')
    schematic, custom = await node_extensions(client, node)
    target_image, target_version, target_schematic = target_of(image, version, schematic, platform, custom)
    result: dict[str, Any] = {
        'changed': False, 'old_version': current, 'new_version': current, 'target_version': target_version,
        'image': target_image, 'old_schematic': schematic, 'new_schematic': schematic, 'api': None,
        'durations': {}, 'installer_output': [], 'quorum': None, 'drain': drain.result(),
    }
    if current == target_version and (target_schematic is None or target_schematic == schematic):
        result['msg'] = 'the node already runs Talos %s%s' % (
            current, ' with schematic %s' % schematic if target_schematic else '')
        return result
    result['api'] = choose_api(api, current)
    result['quorum'] = await guard_quorum(client, node, 'upgrade', force, await machine_type(client, node))
    drain.decide(result['api'])
    try:
        await drain.prepare()
    except TalosError as exc:
        exc.node, exc.result = exc.node or node, dict(result, drain=drain.result())
        raise
    result['changed'] = True
    if check_mode:
        try:
            await drain.before(check_mode=True)
        finally:
            result['drain'] = drain.result()
        result['msg'] = 'would upgrade Talos %s to %s with %s (%s API)' % (
            current, target_version, target_image, result['api'])
        return result

    async def action() -> str:
        if result['api'] == 'lifecycle':
            return await client.reboot(node, reboot_mode.upper())
        return await client.upgrade_legacy(target_image, node, stage=stage, preserve=preserve, force=force,
                                           reboot_mode=reboot_mode.upper())

    try:
        if result['api'] == 'lifecycle':
            await _install(client, node, target_image, timeout, result)
        await drain.before(check_mode=False)
        rebooted_at = time.monotonic()
        # The documented budget: wait_timeout for the pull and installer, then again for the node to come back
        # (and be Ready in Kubernetes, to be uncordoned).
        deadline = Deadline(timeout)
        outcome = await reboot_and_wait(client, node, action, wait, deadline, version=target_version)
        result['durations']['reboot' if result['api'] == 'lifecycle' else 'upgrade'] = round(
            time.monotonic() - rebooted_at, 3)
        await drain.after(wait, deadline)
    except TalosError as exc:
        result['drain'] = drain.result()
        if isinstance(exc, SequenceLocked):
            # Refused before anything ran: the legacy path changed nothing; the LifecycleService path has installed.
            result['changed'] = result['api'] == 'lifecycle'
        # The failure returns what was done so far (changed: whether anything ran before it).
        exc.node = exc.node or node
        exc.result = result
        raise
    result['drain'] = drain.result()
    result['actor_id'] = outcome.get('actor_id')
    result['boot_id_before'], result['boot_id'] = outcome['boot_id_before'], outcome.get('boot_id')
    if wait:
        result['new_version'] = outcome.get('version')
        result['new_schematic'] = await node_schematic(client, node)
    result['durations']['total'] = round(time.monotonic() - started, 3)
    result['msg'] = 'upgraded Talos %s to %s' % (current, target_version) if wait else \
        'upgrade to Talos %s started' % target_version
    return result
