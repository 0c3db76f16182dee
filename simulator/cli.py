# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``python -m simulator {up,down,ctl,serve}``."""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Optional, Sequence

from simulator import control
from simulator._collection import REPO
from simulator.machine_options import MachineOptions, machine_options
from simulator.plan import API_PORT, DEFAULT_SUBNET, MachineSpec, plan
from simulator.statedir import StateDir, is_fleet_process, process_alive, write_atomic, write_json
from simulator.versions import DEFAULT_VERSION, TalosVersion, parse

UP_TIMEOUT = 60.0
DOWN_GRACE = 10.0


class CliError(Exception):
    """A failure to report as one line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _add_fleet_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--state-dir', required=True, help='directory for the fleet state (created if missing)')
    parser.add_argument('--controlplanes', type=int, default=1, help='number of control-plane machines (default 1)')
    parser.add_argument('--workers', type=int, default=0, help='number of worker machines (default 0)')
    parser.add_argument('--maintenance', action='store_true',
                        help='start every machine unconfigured, in maintenance mode')
    parser.add_argument('--talos-version', default=DEFAULT_VERSION,
                        help='Talos version to emulate, v1.12.x to v1.15.x (default %s)' % DEFAULT_VERSION)
    parser.add_argument('--subnet', default=DEFAULT_SUBNET,
                        help='loopback subnet; machines get .10, .11, ... (default %s)' % DEFAULT_SUBNET)
    parser.add_argument('--boot-delay', type=float, default=0.0, metavar='SECONDS',
                        help='time a machine takes to boot before it listens (default 0)')
    parser.add_argument('--reboot-delay', type=float, default=1.0, metavar='SECONDS',
                        help='time a rebooting machine is away (reboot, upgrade, reset; default 1)')
    parser.add_argument('--grace-period', type=float, default=10.0, metavar='SECONDS',
                        help="how long a machine going down (reboot, shutdown, upgrade, reset) lets in-flight calls "
                             "finish after its GOAWAY, as apid's graceful stop does (default 10)")
    parser.add_argument('--bootstrap-delay', type=float, default=1.0, metavar='SECONDS',
                        help='time after a configured boot until the container runtime is up; Bootstrap is '
                             'refused ("bootstrap is not available yet") meanwhile (default 1)')
    parser.add_argument('--schematic', action='append', default=[], metavar='MACHINE=FILE',
                        help='the machine was installed from this Image Factory schematic (YAML file): the fleet '
                             'factory knows it, the machine reports its extensions (repeatable)')
    parser.add_argument('--secureboot', action='append', default=[], metavar='MACHINE',
                        help='the machine has SecureBoot enabled and booted from the -secureboot installer flavor '
                             '(repeatable)')
    parser.add_argument('--platform', action='append', default=[], metavar='MACHINE=PLATFORM',
                        help='the platform Talos detects on the machine, e.g. aws (default metal; repeatable)')
    parser.add_argument('--secrets', metavar='FILE',
                        help='Talos secrets bundle (talosctl gen secrets format) whose CAs the fleet uses '
                             '(default: a new bundle)')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m simulator', description='talos-sim: emulated Talos machines')
    sub = parser.add_subparsers(dest='command', required=True)
    up = sub.add_parser('up', help='start a fleet in the background')
    _add_fleet_options(up)
    up.add_argument('--bootstrap', action='store_true',
                    help='then bootstrap etcd on the first control plane through the Talos API and wait until '
                         'every machine runs (without it, configured control planes wait for a bootstrap, '
                         'as on Talos)')
    serve = sub.add_parser('serve', help='run a fleet in the foreground (what `up` starts)')
    _add_fleet_options(serve)
    down = sub.add_parser('down', help='stop the fleet of a state directory')
    down.add_argument('--state-dir', required=True)
    ctl = sub.add_parser('ctl', help='control a running fleet')
    ctl.add_argument('--state-dir', required=True)
    ctl_sub = ctl.add_subparsers(dest='op', required=True)
    ctl_sub.add_parser('status', help='show the machines and their state')
    for op, text in (('stop', 'take a machine away (connections refused)'),
                     ('start', 'bring a stopped machine back (new boot ID)'),
                     ('fail-upgrade', "make the machine's next upgrade fail in the installer (exit code 1)"),
                     ('hold', 'keep the machine down after its next reboot (until ctl start)')):
        ctl_sub.add_parser(op, help=text).add_argument('machine', help='machine name, hostname or address')
    pull_delay = ctl_sub.add_parser('pull-delay', help='make pulls of images the machine does not have yet take '
                                                       'SECONDS (0: instant)')
    pull_delay.add_argument('machine', help='machine name, hostname or address')
    pull_delay.add_argument('service', metavar='SECONDS', help='how long a pull of a new image takes')
    time_sync = ctl_sub.add_parser('time-sync', help="hold a machine's time sync off, or let it sync again")
    time_sync.add_argument('machine', help='machine name, hostname or address')
    time_sync.add_argument('service', metavar='on|off', choices=('on', 'off'), help='off: time is not synced')
    stall = ctl_sub.add_parser('stall', help="make the machine's next sequence spend SECONDS in its first task")
    stall.add_argument('machine', help='machine name, hostname or address')
    stall.add_argument('service', metavar='SECONDS', help='how long the first task takes (e.g. pods slow to stop)')
    hang = ctl_sub.add_parser('hang', help="make the machine's apid hang: tls takes TCP but never answers TLS, "
                                           'rpc (default) completes TLS but answers no call (until ctl unhang)')
    hang.add_argument('machine', help='machine name, hostname or address')
    hang.add_argument('service', metavar='tls|rpc', nargs='?', choices=('tls', 'rpc'), default='rpc',
                      help='where apid stops answering')
    ctl_sub.add_parser('unhang', help="let a hung apid answer again").add_argument(
        'machine', help='machine name, hostname or address')
    slow = ctl_sub.add_parser('slow', help="make the machine's apid answer every call SECONDS late (0: at once)")
    slow.add_argument('machine', help='machine name, hostname or address')
    slow.add_argument('service', metavar='SECONDS', help='delay before each answer')
    for op, text in (('partition', 'cut two machines apart: neither reaches the other (apid forwarding, etcd join)'),
                     ('heal', 'let two partitioned machines reach each other again')):
        pair = ctl_sub.add_parser(op, help=text)
        pair.add_argument('machine', help='machine name, hostname or address')
        pair.add_argument('peer', help='the other machine')
    ctl_sub.add_parser('kube-violations', help='list every moment a PodDisruptionBudget of the cluster stopped holding')
    ctl_sub.add_parser('kube-departures', help="list each stop of a Kubernetes node's machine: cordoned or not, "
                                               'and the drainable pods still on it')
    start_delay = ctl_sub.add_parser('kube-start-delay', help="set how long a new pod's containers take to run")
    start_delay.add_argument('service', metavar='SECONDS', help='seconds from binding to Running (default 0.3)')
    for op, text in (('stop-service', 'stop a service of a machine, as if it crashed (etcd: its member stops)'),
                     ('start-service', 'start a stopped service of a machine again'),
                     ('extension-service', 'install an extension service ext-SERVICE on a machine')):
        service_parser = ctl_sub.add_parser(op, help=text)
        service_parser.add_argument('machine', help='machine name, hostname or address')
        service_parser.add_argument('service', help='service ID')
    return parser


def _machine_options(args: argparse.Namespace, specs: list[MachineSpec]) -> MachineOptions:
    try:
        return machine_options(args.schematic, args.secureboot, args.platform, [spec.name for spec in specs])
    except ValueError as exc:
        raise CliError(str(exc), 2) from None


def _fleet_plan(args: argparse.Namespace) -> tuple[list[MachineSpec], TalosVersion]:
    try:
        version = parse(args.talos_version)
        specs = plan(args.controlplanes, args.workers, args.subnet)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    if args.boot_delay < 0:
        raise CliError('--boot-delay must not be negative', 2)
    if args.reboot_delay < 0:
        raise CliError('--reboot-delay must not be negative', 2)
    if args.grace_period < 0:
        raise CliError('--grace-period must not be negative', 2)
    if args.bootstrap_delay < 0:
        raise CliError('--bootstrap-delay must not be negative', 2)
    if args.secrets:
        _load_secrets(args.secrets)  # fail before starting anything
    if getattr(args, 'bootstrap', False) and args.maintenance:
        raise CliError('--bootstrap needs configured machines: it cannot be combined with --maintenance', 2)
    _machine_options(args, specs)  # fail before starting anything
    return specs, version


def _load_secrets(path: str) -> dict:
    from simulator import secrets  # pylint: disable=import-outside-toplevel  # crypto imports only when needed

    try:
        return secrets.load_bundle(path)
    except ValueError as exc:
        raise CliError('--secrets: %s' % str(exc).strip(), 2) from None


def _fleet_argv(args: argparse.Namespace) -> list[str]:
    argv = ['--state-dir', os.path.abspath(args.state_dir), '--controlplanes', str(args.controlplanes),
            '--workers', str(args.workers), '--talos-version', args.talos_version, '--subnet', args.subnet,
            '--boot-delay', str(args.boot_delay), '--reboot-delay', str(args.reboot_delay),
            '--bootstrap-delay', str(args.bootstrap_delay), '--grace-period', str(args.grace_period)]
    if args.secrets:
        argv += ['--secrets', os.path.abspath(args.secrets)]
    for item in args.schematic:
        machine, _sep, path = item.partition('=')
        argv += ['--schematic', '%s=%s' % (machine, os.path.abspath(path))]
    for machine in args.secureboot:
        argv += ['--secureboot', machine]
    for item in args.platform:
        argv += ['--platform', item]
    return argv + (['--maintenance'] if args.maintenance else [])


def _check_address_free(address: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, API_PORT))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliError('%s:%d is already in use (another fleet or program listens there); '
                               'choose another --subnet' % (address, API_PORT)) from None
            raise CliError('cannot use %s:%d: %s' % (address, API_PORT, exc.strerror)) from None


def _accepts(address: str) -> bool:
    try:
        with socket.create_connection((address, API_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def _all_up(state: StateDir, specs: list[MachineSpec], accepting: set[str]) -> bool:
    """Every machine listens (``accepting`` remembers who did, so each poll only knocks where it must: every
    knock costs the fleet a TLS handshake) and cluster.json shows none stopped."""
    for spec in specs:
        if spec.address not in accepting:
            if not _accepts(spec.address):
                return False
            accepting.add(spec.address)
    try:
        with open(state.cluster_file, encoding='utf-8') as f:
            machines = json.load(f)['machines']
    except (OSError, ValueError, KeyError):
        return False
    return len(machines) == len(specs) and all(m.get('state') != 'stopped' for m in machines)


def _log_tail(state: StateDir, lines: int = 30) -> str:
    try:
        with open(state.log_file, encoding='utf-8', errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return '(no log)'


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def cmd_up(args: argparse.Namespace) -> int:
    specs, version = _fleet_plan(args)
    state = StateDir(args.state_dir)
    os.makedirs(state.path, exist_ok=True)
    pid = state.running_pid()
    if pid is not None:
        raise CliError('a fleet is already running from %s (pid %d); stop it first with '
                       '`python -m simulator down --state-dir %s`' % (state.path, pid, args.state_dir))
    for spec in specs:
        _check_address_free(spec.address)
    for stale in (state.pid_file, state.control_socket, state.cluster_file, state.talosconfig):
        _remove(stale)
    with open(state.log_file, 'ab') as log_file:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with  # detached on purpose
            [sys.executable, '-m', 'simulator', 'serve'] + _fleet_argv(args),
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_atomic(state.pid_file, '%d\n' % proc.pid)
    deadline = time.monotonic() + UP_TIMEOUT + args.boot_delay
    accepting: set[str] = set()
    while not _all_up(state, specs, accepting):
        if proc.poll() is not None:
            _remove(state.pid_file)
            raise CliError('the fleet process exited (code %s) before every machine was up; end of %s:\n%s'
                           % (proc.returncode, state.log_file, _log_tail(state)))
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            _remove(state.pid_file)
            raise CliError('machines were not all accepting connections after %.0f s; end of %s:\n%s'
                           % (UP_TIMEOUT + args.boot_delay, state.log_file, _log_tail(state)))
        time.sleep(0.1)
    if args.bootstrap:
        _bootstrap(state, specs, proc.pid)
    for spec in specs:
        print('%-16s %-14s %s:%d' % (spec.name, spec.machine_type, spec.address, API_PORT))
    if not args.maintenance:
        print('talosconfig: %s' % state.talosconfig)
    print('fleet running (pid %d, Talos %s%s); stop it with: python -m simulator down --state-dir %s'
          % (proc.pid, version.tag, ', maintenance mode' if args.maintenance else '', args.state_dir))
    return 0


def _bootstrap(state: StateDir, specs: list[MachineSpec], pid: int) -> None:
    from simulator import operator  # pylint: disable=import-outside-toplevel  # gRPC imports only when asked

    first = next(spec.address for spec in specs if spec.machine_type == 'controlplane')
    try:
        asyncio.run(operator.bootstrap(state.talosconfig, first, [spec.address for spec in specs], UP_TIMEOUT))
    except RuntimeError as exc:
        _terminate(pid)
        _remove(state.pid_file)
        raise CliError('%s; end of %s:\n%s' % (exc, state.log_file, _log_tail(state))) from None


def _terminate(pid: int, grace: float = DOWN_GRACE) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL; returns once the process is gone."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return
            time.sleep(0.05)
    if process_alive(pid):
        raise CliError('process %d did not exit after SIGKILL' % pid)


def cmd_down(args: argparse.Namespace) -> int:
    state = StateDir(args.state_dir)
    pid = state.read_pid()
    if pid is not None and is_fleet_process(pid):
        _terminate(pid)
        print('fleet stopped (pid %d)' % pid)
    else:
        print('no fleet running in %s' % state.path)
    _remove(state.pid_file)
    _remove(state.control_socket)
    _mark_stopped(state)
    return 0


def _mark_stopped(state: StateDir) -> None:
    """Leave cluster.json truthful even when the server could not write it (SIGKILL)."""
    try:
        with open(state.cluster_file, encoding='utf-8') as f:
            cluster = json.load(f)
    except (OSError, ValueError):
        return
    for machine in cluster.get('machines', []):
        machine['state'] = 'stopped'
    cluster['pid'] = None
    write_json(state.cluster_file, cluster)


def cmd_ctl(args: argparse.Namespace) -> int:
    state = StateDir(args.state_dir)
    message = {'op': args.op}
    if getattr(args, 'machine', None):
        message['machine'] = args.machine
    if getattr(args, 'service', None):
        message['service'] = args.service
    if getattr(args, 'peer', None):
        message['peer'] = args.peer
    try:
        reply = control.send(state.control_socket, message)
    except (FileNotFoundError, ConnectionRefusedError):
        raise CliError('no fleet running in %s (no control socket)' % state.path) from None
    print(json.dumps(reply, indent=2))
    return 0 if reply.get('ok') else 1


def cmd_serve(args: argparse.Namespace) -> int:
    # pylint: disable-next=import-outside-toplevel  # heavy imports only here
    from simulator import daemon, lifecycle, secrets, services, transport

    specs, version = _fleet_plan(args)
    lifecycle.configure(reboot_delay=args.reboot_delay)
    transport.configure(grace_period=args.grace_period)
    services.configure(bootstrap_delay=args.bootstrap_delay)
    if args.secrets:
        secrets.use_bundle(_load_secrets(args.secrets))
    return daemon.serve(StateDir(args.state_dir), specs, version, args.maintenance, args.boot_delay,
                        _machine_options(args, specs))


COMMANDS = {'up': cmd_up, 'down': cmd_down, 'ctl': cmd_ctl, 'serve': cmd_serve}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print('talos-sim: %s' % exc, file=sys.stderr)
        return exc.code
