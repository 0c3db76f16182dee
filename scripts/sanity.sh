#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection laid out as ansible_collections/talos/linux.
# Only what the collection ships is checked: talos-sim, benchmarks, dev tools and the upstream test data
# (tests/data: Talos's own YAML, kept byte for byte as upstream wrote it) are not part of it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"

# ansible-test bootstraps pip in its venvs with a get-pip script from a host outside the package
# registries; stand in for it with ensurepip + pip from the index, at the version it asks for.
pip_version=$(python - <<'PY'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
shim=~/.ansible/test/cache/get_pip_${pip_version//./_}.py
if [[ ! -f $shim ]]; then
  mkdir -p "$(dirname "$shim")"
  cat > "$shim" <<'PY'
import subprocess
import sys

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)
PY
fi

# Outside the checkout: inside it, git would hide the copy from ansible-test as ignored files.
work=$(mktemp -d "${TMPDIR:-/tmp}/talos-linux-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/talos/linux
mkdir -p "$dest"
git ls-files --cached --others --exclude-standard -z \
  | grep -zv -E '^(simulator|bench|tools|tests/data)/' \
  | rsync -a --from0 --files-from=- ./ "$dest/"
cd "$dest"
git init -q && git add -A  # ansible-test lists the collection's files through git
# On the Python of .venv, whose ansible-core is the one checked against.
python_version=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --venv --python "$python_version" --color no "$@" \
  2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
