#!/usr/bin/env bash
# Set up everything `make` needs on a fresh machine: Debian packages, the Python venv, the
# collection path. Idempotent and quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Python the main venv runs on (the newest ansible-core, requirements-dev.txt, needs it).
PYTHON_VERSION=3.13
VENV=.venv

# Debian packages the tests and talos-sim use (one per line in scripts/debian-packages.txt;
# "package:command" installs the package only when no command of that name exists).
missing=()
while IFS=: read -r pkg cmd; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/debian-packages.txt
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A venv on another Python (an older checkout's) is replaced, not reused: its packages were built for that Python.
venv_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [[ $venv_version != "$PYTHON_VERSION" ]]; then
  python=$(scripts/find-python.sh "$PYTHON_VERSION")
  echo "setup: creating $VENV (Python $PYTHON_VERSION${venv_version:+, replacing the one on Python $venv_version})"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
fi
stamp=$VENV/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "setup: installing Python requirements into $VENV"
  # (this machine's pip configuration names local mirrors that may be absent: drop those warnings)
  $VENV/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  $VENV/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" > "$stamp"
fi

# Ansible finds the collection at .build/collections/ansible_collections/talos/linux (this checkout).
mkdir -p .build/collections/ansible_collections/talos
ln -sfn ../../../.. .build/collections/ansible_collections/talos/linux
