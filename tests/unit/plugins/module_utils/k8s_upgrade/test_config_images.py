# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and setting a component's image in a machine configuration: the field upgrade-k8s patches
(stdpatches.go, guess.go @ v1.14.0-rc.1), edited in the text so every other byte stays.

The configurations are the generator's golden vectors (tests/data/vectors, upstream's stability test data)
for the 1.12 to 1.15 contracts, and hand-written ones with comments and odd quoting."""

from __future__ import annotations

import difflib

import pytest
import yaml

from ansible_collections.talos.linux.plugins.module_utils.client.errors import TalosError
from ansible_collections.talos.linux.plugins.module_utils.k8s_upgrade.config_images import config_image, with_image
from ansible_collections.talos.linux.plugins.module_utils.machineconfig.documents import loads
from ansible_collections.talos.linux.tests.unit import vectors

NEW = 'mirror.example:5000/k8s/%s:v1.37.0-rc.0@sha256:' + '0f' * 32

# Where each component's image lives: its own document (multi-document Kubernetes config), else v1alpha1.
DOCUMENT = {'kube-apiserver': 'KubeAPIServerConfig', 'kube-controller-manager': 'KubeControllerManagerConfig',
            'kube-scheduler': 'KubeSchedulerConfig', 'kube-proxy': 'KubeProxyConfig', 'kubelet': 'KubeletConfig'}
LEGACY = {'kube-apiserver': ('cluster', 'apiServer'), 'kube-controller-manager': ('cluster', 'controllerManager'),
          'kube-scheduler': ('cluster', 'scheduler'), 'kube-proxy': ('cluster', 'proxy'),
          'kubelet': ('machine', 'kubelet')}

GENERATED = [case for case in vectors.cases('generate')
             if case['inputs']['version_contract'] in ('v1.12', 'v1.13', 'v1.14', 'v1.15')]


def generated(case: dict) -> str:
    with open(vectors.path(case['expected']['file']), encoding='utf-8') as f:
        return f.read()


def documents(text: str) -> list:
    return [document for document in yaml.safe_load_all(text) if document is not None]


def expected_documents(text: str, component: str, image: str) -> list:
    """The documents with the component's image set, by the rule above (written apart from the module's own)."""
    docs = documents(text)
    own = [doc for doc in docs if doc.get('kind') == DOCUMENT[component]]
    if own:
        own[0]['image'] = image
        return docs
    section, entry = LEGACY[component]
    legacy = [doc for doc in docs if 'kind' not in doc][0]
    if not isinstance(legacy[section].get(entry), dict):
        legacy[section][entry] = {}
    legacy[section][entry]['image'] = image
    return docs


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(True), after.splitlines(True)))
    return ([line[2:] for line in diff if line.startswith('- ')], [line[2:] for line in diff if line.startswith('+ ')])


@pytest.mark.parametrize('component', sorted(DOCUMENT))
@pytest.mark.parametrize('case', GENERATED, ids=[case['id'] for case in GENERATED])
def test_generated_configs_change_in_one_field_only(case, component):
    text = generated(case)
    image = NEW % component
    edited = with_image(text, component, image)
    assert config_image(edited, component) == image
    assert documents(edited) == expected_documents(text, component, image)
    removed, added = changed_lines(text, edited)
    if config_image(text, component) is None:
        # Inserted: the entry holding the image, at the document's indentation (4 spaces in generated configs).
        assert removed == []
        assert added == ['    %s:\n' % LEGACY[component][1], '        image: %s\n' % image]
    else:
        assert [line.replace(config_image(text, component), image) for line in removed] == added
        assert len(added) == 1
    assert loads(edited).plain() == loads(expected_documents_text(text, component, image)).plain()


def expected_documents_text(text: str, component: str, image: str) -> str:
    return yaml.safe_dump_all(expected_documents(text, component, image))


@pytest.mark.parametrize('contract, machine, typed', [
    ('v1.12', 'controlplane', False), ('v1.13', 'controlplane', False), ('v1.14', 'controlplane', True),
    ('v1.15', 'controlplane', True), ('v1.13', 'worker', False),
])
def test_generated_configs_are_read_where_upgrade_k8s_patches(contract, machine, typed):
    text = generated(next(case for case in GENERATED if case['id'] == 'generate/%s/base-%s' % (contract, machine)))
    for component in DOCUMENT:
        expected = 'registry.k8s.io/%s:v1.28.0' % component
        if component == 'kubelet':
            expected = 'ghcr.io/siderolabs/kubelet:v1.28.0'
        elif machine == 'worker':
            expected = None
        assert config_image(text, component) == expected
    assert ('kind: KubeAPIServerConfig' in text) is typed


def test_a_14_worker_has_the_kubelet_document_and_no_control_plane_documents():
    text = generated(next(case for case in GENERATED if case['id'] == 'generate/v1.14/base-worker'))
    edited = with_image(text, 'kubelet', NEW % 'kubelet')
    assert 'kind: KubeletConfig\nimage: %s\n' % (NEW % 'kubelet') in edited
    # No KubeProxyConfig document: the v1alpha1 field is the one, as GuessVersionContractKubeProxy picks 1.13.
    edited = with_image(text, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.0')
    assert documents(edited)[0]['cluster']['proxy'] == {'image': 'registry.k8s.io/kube-proxy:v1.37.0'}


HAND_WRITTEN = '''\
# Written by hand; every comment here must survive.
version: v1alpha1 # the legacy document
debug: false
persist: true
machine:
  type: controlplane # keep
  token: 'abc.def'
  kubelet:
    # the kubelet image, pinned on purpose
    image: "ghcr.io/siderolabs/kubelet:v1.36.3-fat" # pinned
    extraArgs:
      feature-gates: "A=true"
cluster:
  id: "x=="
  controlPlane: {endpoint: "https://cp:6443"}
  apiServer:
    image: 'registry.k8s.io/kube-apiserver:v1.36.3'   # quoted on purpose
    certSANs: [ a, "b" ]
  controllerManager: {extraArgs: {bind-address: 0.0.0.0}}
  scheduler:
  proxy: {}
---
# A document of another kind, untouched.
apiVersion: v1alpha1
kind: HostnameConfig
auto: stable
'''


def test_quoting_and_comments_are_kept_when_a_value_is_replaced():
    edited = with_image(HAND_WRITTEN, 'kubelet', 'ghcr.io/siderolabs/kubelet:v1.37.0-fat')
    assert edited == HAND_WRITTEN.replace('"ghcr.io/siderolabs/kubelet:v1.36.3-fat" # pinned',
                                          '"ghcr.io/siderolabs/kubelet:v1.37.0-fat" # pinned')
    edited = with_image(HAND_WRITTEN, 'kube-apiserver', "it's:v1")
    assert edited == HAND_WRITTEN.replace("'registry.k8s.io/kube-apiserver:v1.36.3'   #", "'it''s:v1'   #")
    assert config_image(edited, 'kube-apiserver') == "it's:v1"


@pytest.mark.parametrize('image, written', [('on', '"on"'), ('1.5', '"1.5"'), ('a b', '"a b"'), ('x:v1', 'x:v1')])
def test_a_plain_value_stays_plain_unless_it_would_read_back_otherwise(image, written):
    text = 'version: v1alpha1\nmachine:\n  kubelet:\n    image: ghcr.io/siderolabs/kubelet:v1.36.3\n'
    edited = with_image(text, 'kubelet', image)
    assert edited == text.replace('ghcr.io/siderolabs/kubelet:v1.36.3', written)
    assert config_image(edited, 'kubelet') == image


def test_a_flow_mapping_gets_the_key_in_place():
    edited = with_image(HAND_WRITTEN, 'kube-controller-manager', 'registry.k8s.io/kube-controller-manager:v1.37.0')
    assert edited == HAND_WRITTEN.replace('{extraArgs: {bind-address', '{image: registry.k8s.io/kube-controller-'
                                          'manager:v1.37.0, extraArgs: {bind-address')


@pytest.mark.parametrize('component, entry', [('kube-scheduler', 'scheduler:\n'), ('kube-proxy', 'proxy: {}\n')])
def test_an_empty_entry_becomes_a_block_at_the_document_indentation(component, entry):
    edited = with_image(HAND_WRITTEN, component, '[fd00::1]:5000/%s:v1.37.0' % component)
    name = entry.split(':')[0]
    assert edited == HAND_WRITTEN.replace(
        '  ' + entry, '  %s:\n    image: "[fd00::1]:5000/%s:v1.37.0"\n' % (name, component))
    assert config_image(edited, component) == '[fd00::1]:5000/%s:v1.37.0' % component


def test_a_missing_image_of_a_typed_document_goes_under_its_header():
    text = ('version: v1alpha1\nmachine:\n  type: worker\ncluster: {}\n---\napiVersion: v1alpha1\n'
            'kind: KubeProxyConfig # proxy\nmode: nftables\n')
    assert config_image(text, 'kube-proxy') is None
    edited = with_image(text, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.0')
    assert edited == text.replace('# proxy\n', '# proxy\nimage: registry.k8s.io/kube-proxy:v1.37.0\n')
    without_newline = with_image(text[:-1], 'kube-proxy', 'x:v1')
    assert without_newline == text[:-1].replace('# proxy\n', '# proxy\nimage: x:v1\n')


@pytest.mark.parametrize('line', ['    image:\n', '    image: null\n', '    image: ~\n', "    image: ''\n"])
def test_an_empty_image_is_unset_and_is_filled_in(line):
    text = 'version: v1alpha1\ncluster:\n  proxy:\n%s    disabled: false\n' % line
    assert config_image(text, 'kube-proxy') is None
    edited = with_image(text, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.0')
    assert config_image(edited, 'kube-proxy') == 'registry.k8s.io/kube-proxy:v1.37.0'
    assert edited.count('\n') == text.count('\n')


def test_crlf_line_endings_are_kept():
    text = HAND_WRITTEN.replace('\n', '\r\n')
    edited = with_image(text, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.0')
    assert edited == text.replace('  proxy: {}\r\n', '  proxy:\r\n    image: registry.k8s.io/kube-proxy:v1.37.0\r\n')


def test_a_config_without_the_parent_section_names_the_component():
    worker = 'version: v1alpha1\nmachine:\n  type: worker\n'
    with pytest.raises(TalosError) as caught:
        with_image(worker, 'kube-scheduler', 'registry.k8s.io/kube-scheduler:v1.37.0')
    assert caught.value.message == ('cannot set the kube-scheduler image: the machine configuration has no cluster '
                                    'section (cluster.scheduler.image)')
    assert config_image(worker, 'kube-scheduler') is None


def test_a_config_without_v1alpha1_or_the_component_document_names_the_component():
    text = 'apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n'
    with pytest.raises(TalosError) as caught:
        with_image(text, 'kubelet', 'ghcr.io/siderolabs/kubelet:v1.37.0')
    assert caught.value.message == ('cannot set the kubelet image: the machine configuration has neither a '
                                    'KubeletConfig document nor a v1alpha1 document')
    assert config_image(text, 'kubelet') is None


@pytest.mark.parametrize('text, why', [
    ('version: v1alpha1\nmachine:\n  kubelet:\n    image: &img ghcr.io/siderolabs/kubelet:v1.36.3\n'
     '  install:\n    image: *img\n', r'machine.kubelet.image \(line 4\) carries a YAML anchor or tag; write the '
     'image as a plain value'),
    ('version: v1alpha1\nmachine:\n  kubelet:\n    image: [a]\n', r'machine.kubelet.image is not a string \(line 4\)'),
    ('version: v1alpha1\nmachine:\n  kubelet: [a]\n', r'machine.kubelet is not a mapping \(line 3\)'),
])
def test_shapes_the_edit_cannot_keep_are_refused(text, why):
    with pytest.raises(TalosError, match='^cannot set the kubelet image: %s$' % why):
        with_image(text, 'kubelet', 'ghcr.io/siderolabs/kubelet:v1.37.0')


@pytest.mark.parametrize('proxy', ['!!map {mode: ipvs}', '&proxy {mode: ipvs}'])
def test_an_edit_that_would_read_back_differently_is_refused(proxy):
    text = 'version: v1alpha1\ncluster:\n  proxy: %s\n' % proxy
    with pytest.raises(TalosError) as caught:
        with_image(text, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.0')
    assert caught.value.message == ('cannot set the kube-proxy image: the edited machine configuration would '
                                    'differ elsewhere (cluster.proxy.image is written in a way this edit does not '
                                    'handle)')


def test_bad_yaml_and_unknown_components_are_errors():
    with pytest.raises(TalosError, match='machine configuration: invalid YAML'):
        config_image('version: v1alpha1\nmachine: [\n', 'kubelet')
    with pytest.raises(TalosError, match="unknown Kubernetes component 'etcd'"):
        with_image(HAND_WRITTEN, 'etcd', 'x:v1')
