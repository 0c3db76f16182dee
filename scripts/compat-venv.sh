#!/usr/bin/env bash
# A second venv with the oldest ansible-core the collection supports, for `make compat`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-compat
CORE='ansible-core>=2.16,<2.17'
stamp=$VENV/.requirements.sha256
want=$( (cat requirements.txt; echo "$CORE aiohttp") | sha256sum | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python ]]; then
  echo "compat: creating $VENV ($CORE)"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  $VENV/bin/python -m pip install -q --disable-pip-version-check "$CORE" -r requirements.txt 'pytest>=8,<10' 'aiohttp>=3.9,<4' \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi
