# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Image Factory over HTTPS, and what machines installed from it report over mTLS gRPC.

The schematic IDs below are siderolabs/image-factory's own expectations (pkg/schematic/schematic_test.go:TestID,
TestUnmarshalID @ 26b95ca), copied as data: the factory must answer them for the same schematics.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml
from grpclib.const import Status

from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1 import state_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.cosi.v1alpha1.state_grpc import State
from ansible_collections.talos.linux.plugins.module_utils._api.machine import image_pb2, lifecycle_pb2, machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.image_grpc import ImageService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.lifecycle_grpc import LifecycleService
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.tests.integration.simulator.conftest import _fleet_fixture, rpc, run_sim
from ansible_collections.talos.linux.tests.integration.simulator.test_lifecycle import (
    grpc_error, resource_yaml, version, wait_until)

EMPTY_ID = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'
UPSTREAM_VECTORS = (
    ('{}', EMPTY_ID),
    ('customization: {"extraKernelArgs": []}', EMPTY_ID),
    ('{"customization": {"extraKernelArgs": ["noapic", "nolapic"], "systemExtensions": {}}}',
     '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c'),
    ('{"customization": {"meta": [{"key": 10, "value": "foo"}], "extraKernelArgs": [], "systemExtensions": {}}}',
     'd308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f'),
    ('{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"},"customization":{}}',
     'ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9'),
    ('{"customization":{"secureboot": {"includeWellKnownCertificates": true}}}',
     'fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6'),
    ('customization:\n  diskImage:\n    sectorSize: 4096\n',
     '92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea'),
)
EXTENSIONS_YAML = ('customization:\n  systemExtensions:\n    officialExtensions:\n'
                   '      - siderolabs/iscsi-tools\n      - siderolabs/util-linux-tools\n')
EXTENSIONS_TYPE = 'ExtensionStatuses.runtime.talos.dev'


@pytest.fixture(scope='module')
def factory_fleet(tmp_path_factory):
    """v1.14.0: talos-worker-1 installed from a schematic with two extensions, on aws, with SecureBoot."""
    schematic = tmp_path_factory.mktemp('schematic') / 'extensions.yaml'
    schematic.write_text(EXTENSIONS_YAML)
    yield from _fleet_fixture(tmp_path_factory, '--workers', '2', '--reboot-delay', '0.3',
                              '--schematic', 'talos-worker-1=%s' % schematic, '--secureboot', 'talos-worker-1',
                              '--platform', 'talos-worker-1=aws')


@pytest.mark.parametrize('body,expected', UPSTREAM_VECTORS)
def test_schematic_ids_are_the_factorys(factory_fleet, body, expected):
    status, content_type, answer = factory_fleet.factory('POST', '/schematics', body.encode())
    assert (status, content_type) == (201, 'application/json')
    created = json.loads(answer)
    assert created['id'] == expected
    status, content_type, text = factory_fleet.factory('GET', '/schematics/' + expected)
    assert (status, content_type) == (200, 'application/yaml') and text.decode() == created['schematic']


def test_invalid_schematics_are_refused(factory_fleet):
    for body, wording in (('customization:\n  unknown: 1\n', 'field unknown not found in type schematic.Customization'),
                          ('owner: alice\n', 'owner field is only supported in Enterprise edition')):
        status, content_type, text = factory_fleet.factory('POST', '/schematics', body.encode())
        assert (status, content_type) == (400, 'text/plain; charset=utf-8')
        assert wording in text.decode()
    status, _type, text = factory_fleet.factory('GET', '/schematics/' + 'f' * 64)
    assert (status, text) == (404, b'schematic not found\n')


def test_versions_extensions_and_overlays(factory_fleet):
    versions = json.loads(factory_fleet.factory('GET', '/versions')[2])
    assert versions[0] == 'v1.12.0' and versions[-1] == 'v1.15.0'
    assert 'v1.13.9' in versions and 'v1.14.4' not in versions
    extensions = json.loads(factory_fleet.factory('GET', '/version/v1.14.1/extensions/official')[2])
    names = [item['name'] for item in extensions]
    assert {'siderolabs/iscsi-tools', 'siderolabs/util-linux-tools', 'siderolabs/qemu-guest-agent'} <= set(names)
    assert set(extensions[0]) == {'name', 'ref', 'digest', 'author', 'description'}
    assert extensions[0]['ref'].startswith('ghcr.io/' + extensions[0]['name'] + ':')
    overlays = json.loads(factory_fleet.factory('GET', '/version/1.14.1/overlays/official')[2])
    assert 'rpi_generic' in [item['name'] for item in overlays]
    assert set(overlays[0]) == {'name', 'image', 'ref', 'digest'}
    status, _type, text = factory_fleet.factory('GET', '/version/v1.16.0/extensions/official')
    assert (status, text) == (404, b'version 1.16.0 is not available\n')
    assert factory_fleet.factory('HEAD', '/image/%s/v1.14.1/metal-amd64.iso' % EMPTY_ID)[0] == 200
    assert factory_fleet.factory('HEAD', '/image/%s/v1.14.1/metal-amd64.iso' % ('f' * 64))[0] == 404


def _extensions(address: str, tls) -> list[dict]:
    listed = rpc(address, tls, State.List, state_pb2.ListRequest(namespace='runtime', type=EXTENSIONS_TYPE))
    return [yaml.safe_load(item.resource.spec.yaml_spec) for item in listed]


def _security(address: str, tls) -> dict:
    return yaml.safe_load(resource_yaml(address, tls, 'SecurityStates.talos.dev', 'securitystate'))


def test_a_machine_installed_from_a_schematic_reports_it(factory_fleet):
    address, tls = factory_fleet.address('talos-worker-1'), factory_fleet.tls()
    schematic_id = factory_fleet.post_schematic(EXTENSIONS_YAML)
    extensions = _extensions(address, tls)
    assert [item['metadata']['name'] for item in extensions] == ['iscsi-tools', 'util-linux-tools', 'schematic']
    virtual = extensions[-1]['metadata']
    assert virtual['version'] == schematic_id and virtual['author'] == 'Image Factory (%s)' % factory_fleet.factory_url
    spec = yaml.safe_load(resource_yaml(address, tls, 'ImageFactorySchematics.runtime.talos.dev',
                                        'image-factory-schematic'))
    assert spec == {'schematicId': schematic_id, 'flavor': 'Image Factory', 'apiUrl': factory_fleet.factory_url}
    assert _security(address, tls)['secureBoot'] is True
    platform = rpc(address, tls, MachineService.Version)[0].messages[0].platform
    assert (platform.name, platform.mode) == ('aws', 'cloud')
    plain = factory_fleet.address('talos-worker-2')
    assert _security(plain, tls)['secureBoot'] is False
    assert [item['metadata']['name'] for item in _extensions(plain, tls)] == ['schematic']
    spec = yaml.safe_load(resource_yaml(plain, tls, 'ImageFactorySchematics.runtime.talos.dev',
                                        'image-factory-schematic'))
    assert spec == {'schematicId': EMPTY_ID, 'flavor': 'Image Factory', 'apiUrl': 'https://factory.talos.dev'}


def _pull_error(address: str, tls, reference: str):
    return grpc_error(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=reference))


def test_installers_resolve_for_known_schematics_and_releases_only(factory_fleet):
    address, tls = factory_fleet.address('talos-worker-2'), factory_fleet.tls()
    host = factory_fleet.factory_url.split('://', 1)[1]
    for reference in ('%s/metal-installer/%s:v1.14.1' % (host, 'e' * 64),  # never created
                      '%s/metal-installer/%s:v1.14.9' % (host, EMPTY_ID),  # not in the catalogue
                      '%s/nowhere-installer/%s:v1.14.1' % (host, EMPTY_ID),  # no such platform
                      'ghcr.io/siderolabs/installer:v1.14.1',  # not published from 1.14 on
                      'registry.example/metal-installer/%s:v1.14.1' % EMPTY_ID):  # not this factory
        err = _pull_error(address, tls, reference)
        assert err.status == Status.NOT_FOUND and reference in err.message
    for reference in ('%s/installer/%s:v1.13.4' % (host, EMPTY_ID),
                      'factory.talos.dev/aws-installer-secureboot/%s:v1.15.0' % EMPTY_ID,
                      'ghcr.io/siderolabs/installer:v1.13.4'):
        pulled = rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=reference))
        assert pulled[-1].name.startswith(reference.rsplit(':', 1)[0] + '@sha256:')
    listed = [item.name for item in rpc(address, tls, ImageService.List, image_pb2.ImageServiceListRequest())]
    assert listed[-3:] == ['%s/installer/%s:v1.13.4' % (host, EMPTY_ID),
                           'factory.talos.dev/aws-installer-secureboot/%s:v1.15.0' % EMPTY_ID,
                           'ghcr.io/siderolabs/installer:v1.13.4']


def _install(address: str, tls, reference: str) -> None:
    pulled = rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=reference))[-1].name
    progress = rpc(address, tls, LifecycleService.Upgrade, lifecycle_pb2.LifecycleServiceUpgradeRequest(
        source=lifecycle_pb2.InstallArtifactsSource(image_name=pulled)))
    assert progress[-1].progress.exit_code == 0
    rpc(address, tls, MachineService.Reboot, machine_pb2.RebootRequest())


def test_an_upgrade_keeps_what_the_installer_carries(factory_fleet):
    """The node reports the installed image: its schematic's extensions, its SecureBoot flavor."""
    address, tls = factory_fleet.address('talos-worker-1'), factory_fleet.tls()
    host = factory_fleet.factory_url.split('://', 1)[1]
    schematic_id = factory_fleet.post_schematic(EXTENSIONS_YAML)
    _install(address, tls, '%s/aws-installer-secureboot/%s:v1.14.1' % (host, schematic_id))
    wait_until(lambda: version(address, tls) == 'v1.14.1')
    assert [item['metadata']['name'] for item in _extensions(address, tls)] == [
        'iscsi-tools', 'util-linux-tools', 'schematic']
    assert _security(address, tls)['secureBoot'] is True
    wait_until(lambda: 'stage: running' in resource_yaml(address, tls, 'MachineStatuses.runtime.talos.dev', 'machine'))
    _install(address, tls, '%s/aws-installer/%s:v1.14.2' % (host, EMPTY_ID))  # the wrong flavor, no extensions
    wait_until(lambda: version(address, tls) == 'v1.14.2')
    assert _security(address, tls)['secureBoot'] is False
    assert [item['metadata']['name'] for item in _extensions(address, tls)] == ['schematic']


def test_pull_delay(factory_fleet):
    address, tls = factory_fleet.address('talos-cp-1'), factory_fleet.tls()
    assert factory_fleet.ctl('pull-delay', 'talos-cp-1', '1.5')['pull_delay'] == 1.5
    reference = 'factory.talos.dev/metal-installer/%s:v1.14.3' % EMPTY_ID
    started = time.monotonic()
    rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=reference))
    assert time.monotonic() - started >= 1.5
    started = time.monotonic()
    rpc(address, tls, ImageService.Pull, image_pb2.ImageServicePullRequest(image_ref=reference))  # present now
    assert time.monotonic() - started < 1.0
    listed = rpc(address, tls, ImageService.List, image_pb2.ImageServiceListRequest())
    assert [(item.name, item.digest.startswith('sha256:'), item.size > 0) for item in listed] == [
        (reference, True, True)]
    factory_fleet.ctl('pull-delay', 'talos-cp-1', '0')


def test_schematic_resource_is_new_in_1_14(tmp_path_factory):
    for fleet in _fleet_fixture(tmp_path_factory, '--talos-version', 'v1.13.9', '--secureboot', 'talos-cp-1'):
        address, tls = fleet.address('talos-cp-1'), fleet.tls()
        err = grpc_error(address, tls, State.Get, state_pb2.GetRequest(
            namespace='runtime', type='ImageFactorySchematics.runtime.talos.dev', id='image-factory-schematic'))
        assert err.status == Status.PERMISSION_DENIED and 'is not supported' in err.message
        assert _security(address, tls)['secureBoot'] is True
        assert _extensions(address, tls)[-1]['metadata']['version'] == EMPTY_ID


def test_up_checks_the_machine_options(tmp_path):
    proc = run_sim('up', '--state-dir', str(tmp_path / 'st'), '--secureboot', 'talos-worker-9', check=False)
    assert proc.returncode == 2 and "--secureboot: no machine named 'talos-worker-9'" in proc.stderr
    bad = tmp_path / 'bad.yaml'
    bad.write_text('customization:\n  nope: 1\n')
    proc = run_sim('up', '--state-dir', str(tmp_path / 'st'), '--schematic', 'talos-cp-1=%s' % bad, check=False)
    assert proc.returncode == 2 and 'field nope not found in type schematic.Customization' in proc.stderr
    proc = run_sim('up', '--state-dir', str(tmp_path / 'st'), '--platform', 'talos-cp-1=mars', check=False)
    assert proc.returncode == 2 and "unknown platform 'mars'" in proc.stderr
