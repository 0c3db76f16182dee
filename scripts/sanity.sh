#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection laid out as ansible_collections/talos/linux.
# Only what the collection ships is checked: talos-sim, benchmarks and dev tools are not part of it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dest=.build/sanity/ansible_collections/talos/linux
rm -rf .build/sanity
mkdir -p "$dest"
git ls-files --cached --others --exclude-standard -z \
  | grep -zv -E '^(simulator|bench|tools)/' \
  | rsync -a --from0 --files-from=- ./ "$dest/"
cd "$dest"
export PATH="$root/.venv/bin:$PATH"
exec ansible-test sanity --venv --python 3.11 --color no "$@"
