# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talos roles and machined's RBAC table (per Talos line); unlisted methods need os:admin."""

from __future__ import annotations

from typing import Iterable

from simulator.versions import TalosVersion

ADMIN = 'os:admin'
OPERATOR = 'os:operator'
READER = 'os:reader'
ETCD_BACKUP = 'os:etcd:backup'
IMPERSONATOR = 'os:impersonator'
IMAGE_VERIFIER = 'os:image:verifier'  # 1.13+
META_WRITER = 'os:meta:writer'  # 1.13+

ROLE_METADATA_KEY = 'talos-role'

_A = frozenset({ADMIN})
_AO = frozenset({ADMIN, OPERATOR})
_AOR = frozenset({ADMIN, OPERATOR, READER})
_AORE = frozenset({ADMIN, OPERATOR, READER, ETCD_BACKUP})
_AOE = frozenset({ADMIN, OPERATOR, ETCD_BACKUP})
_AR = frozenset({ADMIN, READER})  # reader only in maintenance; the handler re-checks

_MACHINE_AOR = (
    'CPUInfo', 'CPUFreqStats', 'Containers', 'DiskStats', 'DiskUsage', 'Dmesg', 'Events', 'Hostname', 'ImageList',
    'List', 'LoadAvg', 'Logs', 'LogsContainers', 'Memory', 'Mounts', 'NetworkDeviceStats', 'Netstat', 'Processes',
    'ServiceList', 'Stats', 'SystemStat', 'Version',
)
_MACHINE_AO = ('EtcdAlarmDisarm', 'EtcdDefragment', 'ImagePull', 'PacketCapture', 'Reboot', 'Restart',
               'ServiceRestart', 'ServiceStart', 'ServiceStop', 'Shutdown')
_MACHINE_A = (
    'ApplyConfiguration', 'Bootstrap', 'Copy', 'EtcdForfeitLeadership', 'EtcdLeaveCluster', 'EtcdRecover',
    'EtcdRemoveMemberByID', 'EtcdDowngradeCancel', 'EtcdDowngradeEnable', 'EtcdDowngradeValidate',
    'GenerateClientConfiguration', 'GenerateConfiguration', 'Kubeconfig', 'MetaWrite', 'MetaDelete', 'Read',
    'Reset', 'Rollback', 'Upgrade',
)


def _base_rules() -> dict[str, frozenset[str]]:
    rules: dict[str, frozenset[str]] = {}
    for names, roles in ((_MACHINE_AOR, _AOR), (_MACHINE_AO, _AO), (_MACHINE_A, _A)):
        for name in names:
            rules['/machine.MachineService/' + name] = roles
    for name in ('EtcdMemberList', 'EtcdStatus', 'EtcdAlarmList'):
        rules['/machine.MachineService/' + name] = _AORE
    rules['/machine.MachineService/EtcdSnapshot'] = _AOE
    rules.update({
        '/cluster.ClusterService/HealthCheck': _AOR,
        '/inspect.InspectService/ControllerRuntimeDependencies': _AOR,
        '/storage.StorageService/Disks': _AOR,
        '/storage.StorageService/BlockDeviceWipe': _A,
        '/time.TimeService/Time': _AOR,
        '/time.TimeService/TimeCheck': _AOR,
    })
    for name in ('Get', 'List', 'Watch'):
        rules['/cosi.resource.State/' + name] = _AOR
    for name in ('Create', 'Update', 'Destroy'):
        rules['/cosi.resource.State/' + name] = _A
    return rules


def rules_for(version: TalosVersion) -> dict[str, frozenset[str]]:
    """machined's rules of that Talos line (1.12, 1.13, 1.14 differ as noted)."""
    rules = _base_rules()
    if version.at_least(1, 13):
        rules.pop('/machine.MachineService/GenerateConfiguration')  # removed in 1.13
        rules.update({
            '/machine.ImageService/Import': _A,
            '/machine.ImageService/List': _AOR,
            '/machine.ImageService/Pull': _AO,
            '/machine.ImageService/Remove': _A,
            '/machine.ImageService/Verify': _AOR | {IMAGE_VERIFIER},
            '/machine.DebugService/ContainerRun': _A,
            '/machine.LifecycleService/Install': _A,
            '/machine.LifecycleService/Upgrade': _A,
            '/machine.MachineService/ApplyConfiguration': _AR,
            '/machine.MachineService/MetaWrite': _A | {META_WRITER},
            '/machine.MachineService/MetaDelete': _A | {META_WRITER},
            '/storage.StorageService/BlockDeviceWipe': _AR,
        })
    if version.at_least(1, 14):
        rules['/cosi.resource.State/Teardown'] = _A
        rules['/cosi.resource.State/TeardownAndDestroy'] = _A
        for name in ('LogicalVolumeRemove', 'VolumeGroupRemove', 'PhysicalVolumeRemove'):
            rules['/machine.LVMService/' + name] = _AR
        rules['/machine.MDService/Destroy'] = _AR
    return rules


class Authorizer:
    """machined's authorizer: a call is allowed when the caller's roles meet the method's roles."""

    def __init__(self, version: TalosVersion) -> None:
        self.rules = rules_for(version)

    def allowed(self, path: str, roles: Iterable[str]) -> bool:
        return not self.rules.get(path, _A).isdisjoint(roles)


def parse_roles(values: Iterable[str]) -> frozenset[str]:
    """Roles named by certificate Organizations or metadata; unknown strings are kept but grant nothing."""
    return frozenset(v for v in values if v)
