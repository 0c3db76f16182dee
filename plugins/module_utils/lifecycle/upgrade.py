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

Before anything changes: the target's installer must accept the node's version and the target must support
its Kubernetes (upgrade_checks). ``reboot=False`` stops after the install (LifecycleService path only): the
node runs its old release until something reboots it, and nothing on the node says an install is pending, so
a second run installs again. ``prepull_nodes`` pull their own installers while this node reboots (prepull).

Private module: free to change between releases.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.client.events import SequenceLocked
from ansible_collections.talos.linux.plugins.module_utils.client.progress import Waiting
from ansible_collections.talos.linux.plugins.module_utils.client.version import has_lifecycle_service, parse_version
from ansible_collections.talos.linux.plugins.module_utils.client.wait import Deadline
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.drain_step import DrainStep
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.installer_image import (ghcr_published, image_for,
                                                                                            parse_image, registry_of)
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.node_image import (NodeImage, node_schematic,
                                                                                       read_node_image)
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.prepull import prepull, warnings_of
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.quorum_guard import guard_quorum, machine_type
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.reboot import reboot_and_wait
from ansible_collections.talos.linux.plugins.module_utils.lifecycle.upgrade_checks import guard_kubernetes, guard_path

OUTPUT_TAIL = 10
# A layer of the installer image is pulled once it is extracted, or when the node had it already.
LAYER_DONE = frozenset(['EXTRACT_COMPLETE', 'ALREADY_EXISTS'])


def normalized_version(version: Optional[str]) -> Optional[str]:
    if version is not None and parse_version(version) is None:
        raise TalosError('version %r is not a Talos version tag such as v1.14.1' % version)
    if version is not None and not version.startswith('v'):
        version = 'v' + version
    return version


def installer_for(version: str, running: NodeImage) -> str:
    """The installer of ``version`` for what the node runs; fails for extensions without an Image Factory
    schematic once ghcr.io's plain installer is gone (their custom installer cannot be named from here)."""
    if running.custom_extensions and not running.schematic and not ghcr_published(version):
        raise TalosError('cannot tell which installer image to use for Talos %s: the node runs system extensions '
                         'but no Image Factory schematic, and Talos publishes its installer only through Image '
                         'Factory from 1.14 on; give image' % version)
    return image_for(version, running.schematic, running.platform, running.secureboot, running.factory)


def target_of(image: Optional[str], version: Optional[str],
              running: NodeImage) -> tuple[str, str, Optional[str]]:
    """(image, version tag, schematic or None) to upgrade to, from the options and what the node runs."""
    version = normalized_version(version)
    if image is None:
        if version is None:
            raise TalosError('give image, version or both')
        return installer_for(version, running), version, running.schematic
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
    """Pull the installer and run it (1.13+); the installer's lines go into ``result['installer_output']``.

    Both can take minutes on a slow registry: the layers pulled and the installer's last line are shown as
    progress (client/progress.py)."""
    started = time.monotonic()
    budget = Deadline(timeout)  # only to show the time spent; each stream has its own timeout
    pulled = image
    layers: dict[str, str] = {}
    pulling = Waiting('the installer image %s to be pulled' % image, node, timeout, budget.elapsed)
    async for progress in client.image_pull(image, node, timeout=timeout):
        pulled = progress.get('name', pulled)
        if 'layer' in progress:
            layers[progress['layer']] = progress['status']
            pulling.saw('%d of %d layers pulled' % (sum(status in LAYER_DONE for status in layers.values()),
                                                    len(layers)))
    pulling.met()
    result['pulled_image'] = pulled
    result['durations']['pull'] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    lines: list[str] = []
    result['installer_output'] = lines
    exit_code = None
    installing = Waiting('the installer to finish', node, timeout, budget.elapsed)
    async for progress in client.lifecycle_upgrade(pulled, node, timeout=timeout):
        if 'message' in progress:
            lines.append(progress['message'])
            installing.saw(progress['message'])
        else:
            exit_code = progress['exit_code']
    result['durations']['install'] = round(time.monotonic() - started, 3)
    if exit_code != 0:
        ending = 'exited with code %s' % exit_code if exit_code is not None else 'ended without an exit code'
        raise TalosError('the installer %s; its last lines:\n%s' % (ending, '\n'.join(lines[-OUTPUT_TAIL:])),
                         node=node, result=result)
    installing.met()


def _start_prepull(client: Any, nodes: list[str], image: Optional[str], version: str, timeout: float,
                   check_mode: bool) -> Optional['asyncio.Task[dict[str, str]]']:
    """Pre-pull on ``nodes`` in the background: the explicit ``image`` when given, else each node's own."""
    if not nodes:
        return None

    def resolve(running: NodeImage) -> str:
        return image if image is not None else installer_for(version, running)
    return asyncio.ensure_future(prepull(client, nodes, resolve, timeout, check_mode))


async def _finish_prepull(task: Optional['asyncio.Task[dict[str, str]]'], result: dict[str, Any],
                          warn: Callable[[str], None]) -> None:
    if task is not None:
        result['prepulled'] = await task
        for warning in warnings_of(result['prepulled']):
            warn(warning)


def _refuse_staging(api: str, current: str, drain: DrainStep) -> None:
    if api != 'lifecycle':
        raise TalosError('reboot: false needs the LifecycleService path (Talos 1.13 and newer, api lifecycle); '
                         'the legacy API of Talos %s reboots as part of the upgrade' % current)
    if drain.params.get('drain'):
        raise TalosError('drain: true drains before the reboot, and reboot: false has none; the node keeps '
                         'running its pods until it is rebooted')


async def upgrade(client: Any, node: Optional[str], *, image: Optional[str], version: Optional[str], api: str,
                  reboot_mode: str, stage: bool, preserve: bool, force: bool, wait: bool, timeout: float,
                  check_mode: bool, drain: DrainStep, reboot: bool = True,
                  prepull_nodes: Optional[list[str]] = None,
                  warn: Callable[[str], None]) -> dict[str, Any]:
    started = time.monotonic()
    # The machine type (for the quorum guard) is read alongside what the node runs: one round trip less.
    running, kind = await asyncio.gather(read_node_image(client, node), machine_type(client, node))
    current = running.version
    target_image, target_version, target_schematic = target_of(image, version, running)
    schematic = running.schematic
    result: dict[str, Any] = {
        'changed': False, 'old_version': current, 'new_version': current, 'target_version': target_version,
        'image': target_image, 'old_schematic': schematic, 'new_schematic': schematic, 'api': None,
        'platform': running.platform, 'secureboot': running.secureboot,
        'factory': registry_of(target_image) if parse_image(target_image).schematic else None,
        'path': [current], 'staged': False, 'durations': {}, 'installer_output': [], 'quorum': None,
        'drain': drain.result(),
    }
    if current == target_version and (target_schematic is None or target_schematic == schematic):
        result['msg'] = 'the node already runs Talos %s%s' % (
            current, ' with schematic %s' % schematic if target_schematic else '')
        return result
    try:
        result['path'] = guard_path(current, target_version)
        for warning in guard_kubernetes(running.kubernetes, current, target_version, force):
            warn(warning)
    except TalosError as exc:
        exc.node, exc.result = node, dict(result, **(exc.result or {}))
        raise
    result['api'] = choose_api(api, current)
    if not reboot:
        _refuse_staging(result['api'], current, drain)
    result['quorum'] = await guard_quorum(client, node, 'upgrade', force, kind)
    if reboot:
        drain.decide(result['api'])
    try:
        await drain.prepare()
    except TalosError as exc:
        exc.node, exc.result = exc.node or node, dict(result, drain=drain.result())
        raise
    result['changed'] = True
    if check_mode:
        prepulling = _start_prepull(client, prepull_nodes or [], image, target_version, timeout, True)
        try:
            await drain.before(check_mode=True)
        finally:
            result['drain'] = drain.result()
        await _finish_prepull(prepulling, result, warn)
        result['staged'] = not reboot
        result['msg'] = 'would %s Talos %s to %s with %s (%s API)' % (
            'upgrade' if reboot else 'install (without rebooting)', current, target_version, target_image,
            result['api'])
        return result

    async def action() -> str:
        if result['api'] == 'lifecycle':
            return await client.reboot(node, reboot_mode.upper())
        return await client.upgrade_legacy(target_image, node, stage=stage, preserve=preserve, force=force,
                                           reboot_mode=reboot_mode.upper())

    prepulling = None
    try:
        if result['api'] == 'lifecycle':
            await _install(client, node, target_image, timeout, result)
        # The next nodes pull their installers while this one drains and reboots.
        prepulling = _start_prepull(client, prepull_nodes or [], image, target_version, timeout, False)
        if not reboot:
            await _finish_prepull(prepulling, result, warn)
            result['staged'] = True
            result['durations']['total'] = round(time.monotonic() - started, 3)
            result['msg'] = ('installed Talos %s; the node runs Talos %s until it is rebooted'
                             % (target_version, current))
            return result
        await drain.before(check_mode=False)
        rebooted_at = time.monotonic()
        # The documented budget: wait_timeout for the pull and installer, then again for the node to come back
        # (and be Ready in Kubernetes, to be uncordoned).
        deadline = Deadline(timeout)
        outcome = await reboot_and_wait(client, node, action, wait, deadline, version=target_version)
        result['durations']['reboot' if result['api'] == 'lifecycle' else 'upgrade'] = round(
            time.monotonic() - rebooted_at, 3)
        await drain.after(wait, deadline)
        await _finish_prepull(prepulling, result, warn)
    except TalosError as exc:
        if prepulling is not None and not prepulling.done():
            prepulling.cancel()
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
        result['new_schematic'], _factory, _others = await node_schematic(client, node, result['new_version'])
    result['durations']['total'] = round(time.monotonic() - started, 3)
    result['msg'] = 'upgraded Talos %s to %s' % (current, target_version) if wait else \
        'upgrade to Talos %s started' % target_version
    return result
