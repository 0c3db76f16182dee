# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's prediction of Talos's config validation, against what upstream's rules give.

Facts from ``pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go:Config.Validate``,
``pkg/machinery/config/machine/machine.go:ParseType``, ``pkg/machinery/config/container/container.go:Validate``
and ``pkg/machinery/config/generate/secrets/bundle.go:Validate`` (v1.13.9)."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.configgen import secrets
from ansible_collections.talos.linux.plugins.module_utils.machineconfig import documents, validate

HEADER = 'version: v1alpha1\n'
WORKER_CA = 'machine:\n  type: %s\n  ca:\n    crt: Q1JU\n'


def _check(text: str):
    return validate.validate(documents.loads(HEADER + text))


def test_no_machine_section_is_the_one_fatal_error():
    assert _check('cluster: {}\n') == ([], ['machine instructions are required'])


@pytest.mark.parametrize('text', ['machine: {}\n', 'machine:\n  install: {}\n'])
def test_an_empty_machine_section_is_a_worker_without_a_ca(text):
    warnings, errors = _check(text)
    assert warnings == ['use "worker" instead of "" for machine type']
    assert errors == ['issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)']


@pytest.mark.parametrize('declared', ['', 'join'])
def test_empty_and_join_types_are_workers(declared):
    warnings, errors = _check(WORKER_CA % ('"%s"' % declared))
    assert warnings == ['use "worker" instead of "%s" for machine type' % declared]
    assert errors == []
    assert validate.machine_type(documents.loads(HEADER + WORKER_CA % ('"%s"' % declared))) == 'worker'


def test_unknown_type_is_an_error():
    assert _check(WORKER_CA % 'gateway')[1] == ['unknown machine type "gateway"']


def test_errors_are_nested_as_the_container_reports_them():
    text = validate.format_errors(['first', 'second'])
    assert text == '1 error occurred:\n\t* v1alpha1.Config: 2 errors occurred:\n\t* first\n\t* second\n\n\n\n'


def test_an_empty_bundle_section_is_present_with_its_fields_missing():
    found = secrets.problems({'cluster': {}, 'secrets': {}, 'trustdinfo': {}, 'certs': {}})
    assert found[:3] == ['cluster.id is required', 'cluster.secret is required', 'secrets.bootstraptoken is required']
    assert 'trustdinfo.token is required' in found and 'certs.os is required' in found
    assert 'cluster is required' not in found and 'certs is required' not in found


def test_missing_bundle_sections_are_named():
    found = secrets.problems({})
    assert found == ['cluster is required', 'secrets is required', 'trustdinfo is required', 'certs is required']
