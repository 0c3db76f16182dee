#!/usr/bin/env bash
# Print the path of a working Python interpreter of the version given (e.g. `scripts/find-python.sh 3.13`):
# `python3.13` on PATH first, then pyenv's interpreters; fail naming what to install when there is none.
set -euo pipefail
want=${1:?usage: find-python.sh MAJOR.MINOR}

# A candidate counts only if it runs and is the version asked for: pyenv puts a shim named python3.13 on
# PATH that exists but fails when 3.13 is not the selected pyenv version.
is_wanted() {
  [[ -x $1 || -n $(command -v "$1" 2>/dev/null) ]] || return 1
  [[ $("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) == "$want" ]]
}

candidates=("python$want")
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
# The newest patch release first (sort -V orders 3.13.10 after 3.13.9).
while IFS= read -r dir; do
  candidates+=("$dir/bin/python$want")
done < <(compgen -G "$pyenv_root/versions/$want.*" | sort -rV)

for candidate in "${candidates[@]}"; do
  if is_wanted "$candidate"; then
    # The interpreter itself, not a pyenv shim in front of it.
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "find-python: no Python $want found (tried python$want on PATH and $pyenv_root/versions/$want.*);" \
  "install it, e.g. 'apt-get install python$want python$want-venv' or 'pyenv install $want'" >&2
exit 1
