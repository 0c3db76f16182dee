# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Kubernetes errors are worth asking again: no answer, or an API server (or its load balancer) saying
"not now"; every other status says the same again."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.kube.client import KubeError


def test_no_answer_is_transient():
    assert KubeError('cannot reach the Kubernetes API at https://10.5.0.2:6443 to list nodes: '
                     'Connection refused').transient


@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_busy_or_unavailable_is_transient(status):
    assert KubeError('the server is currently unable to handle the request', status=status).transient


@pytest.mark.parametrize('status', [400, 401, 403, 404, 405, 409, 410, 415, 422, 501])
def test_a_refusal_is_not_transient(status):
    assert not KubeError('refused', status=status).transient
