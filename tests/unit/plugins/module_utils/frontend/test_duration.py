# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one duration parser: Go duration strings everywhere, bare seconds only for timeouts, errors name the option."""

from __future__ import annotations

import pytest

from ansible_collections.talos.linux.plugins.module_utils.frontend.duration import (DurationError, duration_problem,
                                                                                    to_seconds)


@pytest.mark.parametrize('value, seconds', [
    ('90s', 90.0), ('15m', 900.0), ('720h', 2592000.0), ('1h30m', 5400.0), ('1.5h', 5400.0), ('500ms', 0.5),
    ('0s', 0.0), (' 10m ', 600.0), ('8760h0m0s', 31536000.0),
])
def test_go_durations_are_read_as_talosctl_reads_them(value, seconds):
    assert to_seconds(value, 'ttl', bare_seconds=False) == seconds
    assert to_seconds(value, 'wait_timeout', bare_seconds=True) == seconds


@pytest.mark.parametrize('value, seconds', [(600, 600.0), (2.5, 2.5), ('600', 600.0), (' 30 ', 30.0), ('1.5', 1.5)])
def test_a_timeout_takes_a_bare_number_of_seconds(value, seconds):
    assert to_seconds(value, 'wait_timeout', bare_seconds=True) == seconds


@pytest.mark.parametrize('value', [30, '30', 2.5])
def test_a_validity_period_refuses_a_bare_number_instead_of_guessing_its_unit(value):
    with pytest.raises(DurationError) as raised:
        to_seconds(value, 'renew_before', bare_seconds=False)
    assert str(raised.value) == ('option renew_before: %r has no unit; give a duration with one, e.g. 720h for 30 days'
                                 % (value,))


@pytest.mark.parametrize('value, words', [
    ('30d', ["option ttl: '30d' is not a duration such as 90s, 15m, 720h or 1h30m"]),
    ('h', ["option ttl: 'h' is not a duration"]),
    ('', ["option ttl: '' is not a duration"]),
    ('-1h', ["option ttl: a duration must not be negative, not '-1h'"]),
    (True, ['option ttl: expected a duration', 'got bool True']),
    ([1], ['option ttl: expected a duration', 'got list [1]']),
])
def test_what_is_not_a_duration_is_named_with_the_option(value, words):
    with pytest.raises(DurationError) as raised:
        to_seconds(value, 'ttl', bare_seconds=False)
    for word in words:
        assert word in str(raised.value)


def test_a_timeout_error_mentions_seconds_as_the_other_form():
    with pytest.raises(DurationError, match=r"option timeout: 'soon' is not a duration .* or a number of seconds"):
        to_seconds('soon', 'timeout', bare_seconds=True)


@pytest.mark.parametrize('value', [float('nan'), float('inf'), '1e400', 'inf', '-Infinity', 'nan'])
@pytest.mark.parametrize('bare_seconds', [True, False])
def test_a_non_finite_number_is_refused(value, bare_seconds):
    with pytest.raises(DurationError, match='option wait_timeout: .* is not a finite duration'):
        to_seconds(value, 'wait_timeout', bare_seconds=bare_seconds)


SPEC = {
    'timeout': {'type': 'raw'},
    'wait_timeout': {'type': 'raw'},
    'ttl': {'type': 'raw'},
    'renew_before': {'type': 'raw'},
    'renew_within': {'type': 'raw'},
    'retries': {'type': 'int'},
    'name_timeout': {'type': 'str'},  # not raw: not a duration option, left as given
}


def test_the_module_base_converts_every_duration_option_to_seconds():
    params = {'timeout': 30, 'wait_timeout': '10m', 'ttl': '8760h', 'renew_before': '0s', 'renew_within': None,
              'retries': 3, 'name_timeout': '5m'}
    assert duration_problem(params, SPEC) is None
    assert params == {'timeout': 30.0, 'wait_timeout': 600.0, 'ttl': 31536000.0, 'renew_before': 0.0,
                      'renew_within': None, 'retries': 3, 'name_timeout': '5m'}


@pytest.mark.parametrize('params, message', [
    ({'timeout': 0}, 'option timeout: must be greater than 0, not 0'),
    ({'wait_timeout': -5}, 'option wait_timeout: must be greater than 0, not -5'),
    ({'wait_timeout': '0s'}, "option wait_timeout: must be greater than 0, not '0s'"),
    ({'ttl': '0s'}, "option ttl: must be greater than 0, not '0s'"),
    ({'renew_before': 30}, 'option renew_before: 30 has no unit; give a duration with one, e.g. 720h for 30 days'),
    ({'renew_within': '2 weeks'}, "option renew_within: '2 weeks' is not a duration"),
])
def test_the_first_unusable_duration_is_the_problem(params, message):
    assert duration_problem(params, SPEC).startswith(message)
