#!/usr/bin/env bash
# A venv with one older ansible-core on one Python, for `make compat`: `scripts/compat-venv.sh 2.16 3.10`
# makes .venv-2.16 (ansible-core 2.16.x on Python 3.10, the collection's runtime requirements, pytest).
# Idempotent: quiet when the venv is already what it should be; rebuilt when its Python is another one.
set -euo pipefail
cd "$(dirname "$0")/.."
core=${1:?usage: compat-venv.sh ANSIBLE_CORE_VERSION PYTHON_VERSION}
python_version=${2:?usage: compat-venv.sh ANSIBLE_CORE_VERSION PYTHON_VERSION}
VENV=.venv-$core
requirement="ansible-core>=$core,<${core%.*}.$((${core#*.} + 1))"
test_tools=('pytest>=8,<10' 'aiohttp>=3.9,<4')

venv_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [[ $venv_version != "$python_version" ]]; then
  python=$(scripts/find-python.sh "$python_version")
  echo "compat: creating $VENV ($requirement on Python $python_version)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
fi
stamp=$VENV/.requirements.sha256
want=$( (cat requirements.txt; echo "$requirement ${test_tools[*]}") | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "compat: installing $requirement into $VENV"
  # (this machine's pip configuration names local mirrors that may be absent: drop those warnings)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$requirement" -r requirements.txt "${test_tools[@]}" \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi
