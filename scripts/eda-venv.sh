#!/usr/bin/env bash
# A venv with ansible-rulebook beside the collection's requirements, for the Event-Driven Ansible tests
# (tests/integration/test_eda_source.py). ansible-rulebook runs its rules engine on Java 17+ (Debian
# default-jre-headless). Idempotent and quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-eda
RULEBOOK='ansible-rulebook>=1.3.2,<1.4'
CORE='ansible-core>=2.19,<2.20'
stamp=$VENV/.requirements.sha256
want=$( (cat requirements.txt; echo "$RULEBOOK $CORE") | sha256sum | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python ]]; then
  echo "eda: creating $VENV ($RULEBOOK)"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  $VENV/bin/python -m pip install -q --disable-pip-version-check "$RULEBOOK" "$CORE" -r requirements.txt \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi
