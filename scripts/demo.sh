#!/usr/bin/env bash
# make demo: start a talos-sim fleet and show every machine's version with a playbook.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.build/demo
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$PWD/.build/collections"

python -m simulator down --state-dir "$state" >/dev/null 2>&1 || true
rm -rf "$state"
echo "== starting talos-sim: 3 control planes, 2 workers (Talos v1.14.0)"
python -m simulator up --state-dir "$state" --controlplanes 3 --workers 2 --subnet 127.77.0.0/24

echo
echo "== ansible-playbook talos.linux.node_versions (mutual TLS, context 'sim' of $state/talosconfig)"
TALOSCONFIG="$PWD/$state/talosconfig" ansible-playbook -i localhost, playbooks/node_versions.yml

echo
echo "The fleet keeps running: try"
echo "  TALOSCONFIG=$state/talosconfig ANSIBLE_COLLECTIONS_PATH=.build/collections .venv/bin/ansible-playbook -i localhost, playbooks/node_versions.yml"
echo "and stop it with: .venv/bin/python -m simulator down --state-dir $state"
