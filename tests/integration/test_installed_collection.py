# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an installed user gets: the built tarball's content, its documents, and the tarball installed with
``ansible-galaxy`` into a venv that has only ansible-core and requirements.txt, running a playbook (a module,
the inventory plugin, a collection playbook and its role) against a talos-sim fleet started from the checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.talos.linux.tests.integration.collection_artifact import (
    build_tarball, clean_venv, isolated_env, run, tarball_files, tarball_text)
from ansible_collections.talos.linux.tests.integration.conftest import PLAYBOOKS, REPO

# What a user's installed collection holds at its top level (galaxy.yml's build_ignore keeps the rest out),
# and what it may hold besides (Event-Driven Ansible plugins live in extensions/eda/).
SHIPPED_TOP_LEVEL = {'MANIFEST.json', 'FILES.json', 'README.md', 'COPYING', 'LICENSES', 'requirements.txt', 'meta',
                     'plugins', 'roles', 'playbooks', 'docs', 'changelogs', 'tests'}
MAY_SHIP_TOP_LEVEL = {'extensions'}
# Shipped whole: every file the checkout has there.
SHIPPED_TREES = ('plugins/', 'roles/', 'playbooks/', 'meta/', 'docs/roles/', 'extensions/')
# Developer-only files that sit inside shipped folders.
NOT_SHIPPED = {'docs/architecture.md', 'LICENSES/MPL-2.0.txt', 'changelogs/config.yaml'}
# A relative Markdown link: [text](target) or [text](target#anchor), not a URL.
RELATIVE_LINK = re.compile(r'\]\((?![a-z]+:)([^)#\s]+)(?:#[^)]*)?\)')


@pytest.fixture(scope='module')
def tarball(tmp_path_factory) -> str:
    return build_tarball(str(tmp_path_factory.mktemp('tarball')))


def checkout_files(prefixes: tuple[str, ...]) -> set[str]:
    """Files of the checkout under prefixes that git does not ignore (tracked or new)."""
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split('\0')
    return {path for path in listed if path.startswith(prefixes) and os.path.isfile(os.path.join(REPO, path))}


def test_tarball_holds_what_runs_for_a_user(tarball):
    files = tarball_files(tarball)
    top_level = {path.split('/')[0] for path in files}
    assert SHIPPED_TOP_LEVEL <= top_level <= SHIPPED_TOP_LEVEL | MAY_SHIP_TOP_LEVEL
    assert checkout_files(SHIPPED_TREES) <= files
    assert {path for path in files if path.startswith('tests/')} == {'tests/config.yml'}
    assert {path for path in files if path.startswith('changelogs/')} == {'changelogs/changelog.yaml'}
    assert not files & NOT_SHIPPED
    hidden = [path for path in files if any(part.startswith('.') or part == '__pycache__'
                                            for part in path.split('/'))]
    assert not hidden
    assert not [path for path in files if path.endswith(('.pyc', '.tar.gz'))]


def test_shipped_documents_link_only_to_shipped_files(tarball):
    files = tarball_files(tarball)
    broken = []
    for document in sorted(path for path in files if path.endswith('.md')):
        for target in RELATIVE_LINK.findall(tarball_text(tarball, document)):
            linked = os.path.normpath(os.path.join(os.path.dirname(document), target))
            if linked not in files and not any(path.startswith(linked + '/') for path in files):
                broken.append('%s -> %s' % (document, target))
    assert not broken


def test_readme_speaks_to_an_installed_user(tarball):
    readme = tarball_text(tarball, 'README.md')
    # Commands that need the source checkout (make targets, its venv, the simulator package by path) stand only in
    # the section that says so, after everything an installed user reads.
    for_the_user, checkout = readme.split('\n## From a source checkout\n')
    assert not re.findall(r'`make\b|\bmake (?:demo|test|setup)\b|\.venv/|python -m simulator', for_the_user)
    assert 'make demo' in checkout and 'make test' in checkout
    assert 'ansible-galaxy collection install' in readme
    assert 'pip install -r' in readme and 'requirements.txt' in readme
    assert 'talos-sim' in readme


def test_installed_collection_runs_a_playbook_with_only_its_requirements(tarball, fleet, tmp_path):
    venv_bin = clean_venv(tarball_text(tarball, 'requirements.txt'))
    python = os.path.join(venv_bin, 'python')
    env = isolated_env(str(tmp_path / 'home'))
    env.update(PATH=venv_bin + os.pathsep + env.get('PATH', ''), ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_INVENTORY_UNPARSED_FAILED='1')
    # the venv is clean: no talos-sim, none of the development tools
    for package in ('simulator', 'pytest', 'grpc_tools', 'ansiblelint'):
        probe = subprocess.run([python, '-c', 'import ' + package], cwd=str(tmp_path), env=env, capture_output=True,
                               timeout=60, check=False)
        assert probe.returncode != 0, package

    collections = tmp_path / 'collections'
    run([os.path.join(venv_bin, 'ansible-galaxy'), 'collection', 'install', '-p', str(collections), tarball],
        cwd=str(tmp_path), env=env)
    env['ANSIBLE_COLLECTIONS_PATH'] = str(collections)
    source = tmp_path / 'cluster.talos.yml'
    source.write_text(yaml.safe_dump({'plugin': 'talos.linux.talosconfig', 'talosconfig': fleet.talosconfig,
                                      'contexts': ['sim'], 'discover': True}))
    playbook = shutil.copy(os.path.join(PLAYBOOKS, 'installed_collection.yml'), str(tmp_path))
    backups = tmp_path / 'backups'
    output = run([os.path.join(venv_bin, 'ansible-playbook'), '-i', str(source), playbook,
                  '-e', 'talos_etcd_backup_dir=%s' % backups], cwd=str(tmp_path), env=env, timeout=600)

    for machine in fleet.machines:  # every machine became a host (the inventory plugin) and every task passed
        recap = r'%s\s*:\s+ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0' % re.escape(machine['hostname'])
        assert re.search(recap, output), output
    snapshots = [path for path in backups.iterdir() if path.is_file()]
    assert len(snapshots) == 1 and snapshots[0].stat().st_size > 0, output
