# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Label and field selectors (kubernetes v1.34.0 ``staging/src/k8s.io/apimachinery/pkg/labels/selector.go:Parse``,
``apimachinery/pkg/fields/selector.go``) and LabelSelector objects
(``apimachinery/pkg/apis/meta/v1/helpers.go:LabelSelectorAsSelector``), with the API server's parse errors."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Optional

from simulator.kube.api_types import Obj, Resource
from simulator.kube.errors import ApiError, bad_request


class _Requirement(NamedTuple):
    key: str
    operator: str  # '=', '!=', 'in', 'notin', 'exists', '!'
    values: frozenset[str]


_TOKEN = re.compile(r'\s*(==|!=|=|\(|\)|,|!|[^\s,()=!]+)')


def _tokens(text: str) -> list[str]:
    found, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:  # only trailing blanks are left
            break
        found.append(match.group(1))
        pos = match.end()
    return found


class LabelSelector:
    """A parsed label selector string; requirements are ANDed. ``LabelSelector('')`` matches everything."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.requirements = self._parse(_tokens(text))

    @staticmethod
    def _parse(tokens: list[str]) -> list[_Requirement]:
        reqs: list[_Requirement] = []
        pos = 0

        def peek() -> str:
            return tokens[pos] if pos < len(tokens) else ''

        def fail(expected: str) -> ApiError:
            return bad_request('unable to parse requirement: found \'%s\', expected: %s' % (peek(), expected))

        def identifier(expected: str) -> str:
            nonlocal pos
            tok = peek()
            if not tok or tok in ('==', '!=', '=', '(', ')', ',', '!'):
                raise fail(expected)
            pos += 1
            return tok

        while tokens:
            if peek() == '!':
                pos += 1
                reqs.append(_Requirement(identifier('identifier'), '!', frozenset()))
            else:
                key = identifier("identifier or '!'")
                op = peek()
                if op in ('', ','):
                    reqs.append(_Requirement(key, 'exists', frozenset()))
                elif op in ('=', '==', '!='):
                    pos += 1
                    value = '' if peek() in ('', ',') else identifier('identifier')
                    reqs.append(_Requirement(key, '!=' if op == '!=' else '=', frozenset([value])))
                elif op in ('in', 'notin'):
                    pos += 1
                    if peek() != '(':
                        raise fail("'('")
                    pos += 1
                    values = [identifier('identifier')]
                    while peek() == ',':
                        pos += 1
                        values.append(identifier('identifier'))
                    if peek() != ')':
                        raise fail("',' or ')'")
                    pos += 1
                    reqs.append(_Requirement(key, op, frozenset(values)))
                else:
                    raise fail('in, notin, =, ==, !=, gt, lt')
            if peek() == '':
                break
            if peek() != ',':
                raise fail("',' or 'end of string'")
            pos += 1
        return reqs

    def matches(self, labels: Optional[dict[str, str]]) -> bool:
        labels = labels or {}
        for req in self.requirements:
            present = req.key in labels
            value = labels.get(req.key)
            ok = {'exists': present, '!': not present,
                  '=': present and value in req.values, 'in': present and value in req.values,
                  '!=': not present or value not in req.values, 'notin': not present or value not in req.values,
                  }[req.operator]
            if not ok:
                return False
        return True


def _field_value(obj: Obj, path: str) -> str:
    """An object's field as field selectors compare it: a string, booleans as Go prints them, absent as ''."""
    value: Any = obj
    for part in path.split('.'):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool) or path in ('spec.unschedulable', 'spec.hostNetwork'):
        return 'true' if value else 'false'
    return '' if value is None else str(value)


class FieldSelector:
    """A parsed field selector string (``k=v``, ``k==v``, ``k!=v``, comma = AND) over the resource's field labels."""

    def __init__(self, res: Resource, text: str) -> None:
        self.text = text
        self.terms: list[tuple[str, bool, str]] = []  # (field, equal, value)
        for term in re.split(r'(?<!\\),', text) if text.strip() else []:
            match = re.fullmatch(r'\s*([^=!\s]+)\s*(==|!=|=)(.*)', term)
            if not match:
                raise bad_request("invalid selector: '%s'; can't understand '%s'" % (text, term))
            field, op, value = match.group(1), match.group(2), match.group(3).replace('\\,', ',')
            if field not in res.field_labels:
                raise bad_request('field label not supported: %s' % field)
            self.terms.append((field, op != '!=', value))

    def matches(self, obj: Obj) -> bool:
        return all((_field_value(obj, f) == v) == equal for f, equal, v in self.terms)


def match_label_selector(selector: Optional[dict[str, Any]], labels: Optional[dict[str, str]]) -> bool:
    """A metav1.LabelSelector object against labels: None matches nothing, ``{}`` everything."""
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get('matchLabels') or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get('matchExpressions') or []:
        key, op, values = expr['key'], expr['operator'], expr.get('values') or []
        ok = {'In': key in labels and labels[key] in values,
              'NotIn': key not in labels or labels[key] not in values,
              'Exists': key in labels, 'DoesNotExist': key not in labels}.get(op)
        if ok is None:
            raise ValueError('%r is not a valid label selector operator' % op)
        if not ok:
            return False
    return True
