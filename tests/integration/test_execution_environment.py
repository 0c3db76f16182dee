# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/execution-environment.yml as ansible-builder reads it, from the collection installed out of its tarball:
``introspect`` lists exactly the controller's requirements, and the build context ``create`` writes for an
execution environment naming the collection computes the same list (its own introspect script, run here as the
image build would run it; no image is built)."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from packaging.requirements import Requirement

from ansible_collections.talos.linux.tests.integration.collection_artifact import (
    build_tarball, isolated_env, run, tarball_text)
from ansible_collections.talos.linux.tests.integration.conftest import VENV_BIN

ANNOTATION = '  # from collection talos.linux'
# ansible-builder leaves out what the image already has: PyYAML comes with ansible-core.
PROVIDED_BY_THE_IMAGE = {'pyyaml'}
# What a user writes to get the collection into an execution environment (README.md shows the same).
DEFINITION = {
    'version': 3,
    'dependencies': {
        'ansible_core': {'package_pip': 'ansible-core>=2.16'},
        'ansible_runner': {'package_pip': 'ansible-runner'},
        'galaxy': {'collections': [{'name': 'talos.linux'}]},
    },
}


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> tuple[str, str]:
    """(collections path holding the collection installed from its tarball, the tarball's requirements.txt)."""
    tarball = build_tarball(str(tmp_path_factory.mktemp('ee-tarball')))
    collections = str(tmp_path_factory.mktemp('ee-collections'))
    home = str(tmp_path_factory.mktemp('ee-home'))  # another copy under ~/.ansible would make the install a no-op
    run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '-p', collections, tarball],
        env=isolated_env(home))
    return collections, tarball_text(tarball, 'requirements.txt')


def expected_requirements(requirements_txt: str) -> list[str]:
    """The requirement lines of requirements.txt, in order, that an execution environment must install."""
    lines = [line.strip() for line in requirements_txt.splitlines()]
    wanted = [line for line in lines if line and not line.startswith('#')]
    return [line for line in wanted if Requirement(line).name.lower() not in PROVIDED_BY_THE_IMAGE]


def builder(*args: str, cwd: str | None = None) -> str:
    return run([os.path.join(VENV_BIN, 'ansible-builder'), *args], cwd=cwd)


def test_introspect_lists_the_controller_requirements(installed, tmp_path):
    collections, requirements_txt = installed
    pip = tmp_path / 'pip.txt'
    bindep = tmp_path / 'bindep.txt'
    report = yaml.safe_load(builder('introspect', collections, '--write-pip', str(pip), '--write-bindep', str(bindep)))
    assert report['python'] == [line + ANNOTATION for line in expected_requirements(requirements_txt)]
    assert 'kubernetes' in {Requirement(line).name for line in expected_requirements(requirements_txt)}
    assert report['system'] == [] and not bindep.exists()
    assert pip.read_text().splitlines() == report['python']


def test_create_writes_a_build_context_that_installs_those_requirements(installed, tmp_path):
    collections, requirements_txt = installed
    definition = tmp_path / 'execution-environment.yml'
    definition.write_text(yaml.safe_dump(DEFINITION))
    context = tmp_path / 'context'
    builder('create', '--file', str(definition), '--context', str(context), '--output-filename', 'Containerfile',
            cwd=str(tmp_path))

    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert galaxy == {'collections': [{'name': 'talos.linux'}]}
    containerfile = (context / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile
    # the build's own introspect step, run on the collection as the galaxy stage installs it
    step = re.search(r'^RUN \$PYCMD /output/scripts/introspect\.py (introspect .*)$', containerfile, re.M)
    assert step, containerfile
    pip = tmp_path / 'pip.txt'
    bindep = tmp_path / 'bindep.txt'
    args = [arg.replace('/tmp/src/requirements.txt', str(pip)).replace('/tmp/src/bindep.txt', str(bindep))
            for arg in step.group(1).split()]
    run([os.path.join(VENV_BIN, 'python'), str(context / '_build' / 'scripts' / 'introspect.py'), *args, collections])
    assert pip.read_text().splitlines() == [line + ANNOTATION for line in expected_requirements(requirements_txt)]
    assert not bindep.exists()
